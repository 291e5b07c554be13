"""A config file written as a test gives it (write; GOOD, one that loads), and `digest status` run
with one of folders that exist (status_with)."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main

GOOD = (
    "database: data/digest.db\ninbox: inbox\nprofiles: profiles\n"
    "smtp:\n  host: mail.example.org\n  security: starttls\n  username: me\n"
    "  password_env: MY_SMTP_PASSWORD\n  from: Digest <digest@example.org>\n"
)


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def status_with(tmp_path, text):
    """`digest --config PATH status` with a config of folders that exist and ``text``."""
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir(exist_ok=True)
    path = write(tmp_path, "database: d.db\ninbox: inbox\nprofiles: profiles\n" + text)
    return CliRunner().invoke(main, ["--config", str(path), "status"])
