"""A check of several keys names a line too: that of a key it used, where the key it names is
not written (README: every problem is reported with the file, the line and the key)."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main


def test_a_missing_password_env_is_said_at_the_line_of_the_username_that_needs_it(tmp_path):
    """`smtp.username` without `smtp.password_env` was said with no line at all ("smtp.password_env:
    required when smtp.username is set"), among problems each said at its line."""
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir()
    path = tmp_path / "config.yaml"
    path.write_text(
        "database: d.db\ninbox: inbox\nprofiles: profiles\n"
        "smtp:\n  host: 127.0.0.1\n  username: me\n  from: Digest <digest@example.org>\n"
    )
    result = CliRunner().invoke(main, ["--config", str(path), "status"])
    assert result.exit_code == 1
    assert "  - line 6: smtp.password_env: required when smtp.username is set" in result.output
