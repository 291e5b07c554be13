"""The smaller faults of issue 10, each as the user meets it."""

from __future__ import annotations

import sys

from click.testing import CliRunner

from digest.cli import main
from digest.daemon.lock import RunLock

from conftest import make_dump


def test_a_second_daemon_says_only_why_it_cannot_start(workspace):
    lock = RunLock(workspace.config.database).acquire("digest run")
    try:
        result = workspace.cli("run")
    finally:
        lock.release()
    assert result.exit_code == 1
    assert "the database is in use" in result.output and "started" not in result.output


def test_send_dry_run_works_while_the_daemon_holds_the_lock(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    workspace.dump("day.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
    assert workspace.cli("ingest").exit_code == 0
    lock = RunLock(workspace.config.database).acquire("digest run")
    try:
        result = workspace.cli("send", "--dry-run")
    finally:
        lock.release()
    assert result.exit_code == 0, result.output
    assert "ada" in result.output and "Dry run: nothing was sent." in result.output


def test_profile_edit_without_a_terminal_keeps_the_file_and_says_why(workspace, tmp_path):
    path = workspace.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    script = tmp_path / "ed.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('email: nope\\ninterests: [x]\\n')\n")
    result = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "profile", "edit", "ada"],
        input="",  # stdin at its end, as under cron or a pipe
        env={"EDITOR": f"{sys.executable} {script}", "VISUAL": ""},
    )
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Abort" not in result.output
    assert path.read_text() == "email: ada@example.org\ninterests: [robotics]\n"
