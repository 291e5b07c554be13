"""ada's workspace sending through a server on `port` that asks a login (username digest, its password
in DIGEST_TEST_SMTP_PW), her listing ingested (login_config)."""

from __future__ import annotations

from conftest import make_dump


def login_config(workspace, port: int) -> None:
    text = workspace.config_path.read_text().replace("port: 2525", f"port: {port}")
    text = text.replace(
        "  timeout: 5\n", "  timeout: 5\n  username: digest\n  password_env: DIGEST_TEST_SMTP_PW\n"
    )
    workspace.config_path.write_text(text)
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    workspace.dump("day.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
    assert workspace.cli("ingest").exit_code == 0
