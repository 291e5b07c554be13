"""The smaller faults of issue 10, each as the user meets it."""

from __future__ import annotations

import datetime as dt
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


def test_a_dump_renamed_away_after_it_was_read_is_kept_in_the_store_and_nothing_crashes(workspace):
    from digest.ingest import inbox

    path = workspace.dump("day.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
    path.rename(path.with_name("day.txt.moved"))  # renamed between the read and the move
    assert inbox.move_processed(path, workspace.root / "inbox") is None
    assert inbox.move_failed(path, workspace.root / "inbox", "why") is None


def test_a_file_name_with_a_newline_cannot_forge_a_log_line(workspace, caplog):
    import logging

    from digest.ingest.dumps import ingest_inbox
    from digest.store import Store

    from conftest import NOW

    workspace.dump("x\n2026-03-20 INFO digest sent to everyone.txt", make_dump("Mar 14", [("R", "About.")]))
    workspace.dump("bad\nERROR forged.txt", "not a dump at all\n")
    caplog.set_level(logging.INFO, logger="digest")
    with Store(workspace.config.database) as store:
        ingest_inbox(store, workspace.root / "inbox", NOW, dt.timedelta(0))
    assert caplog.records
    assert all("\n" not in r.getMessage() for r in caplog.records)
    assert any("\\n2026-03-20 INFO" in r.getMessage() for r in caplog.records)


def test_control_characters_and_bidi_overrides_in_titles_are_dropped_at_ingest(workspace):
    from digest.store import Store

    title = "Robots\x1b[2J\x07 that \u202eesrever\u202c read"
    workspace.dump("day.txt", make_dump("Mar 14", [(title, "About\x1b]0;pwned\x07 robots.")]))
    assert workspace.cli("ingest").exit_code == 0
    with Store(workspace.config.database) as store:
        (paper,) = store.papers()
    assert paper.title == "Robots[2J that esrever read"
    assert paper.abstract == "About]0;pwned robots."
    workspace.profile("ada", "email: ada@example.org\ninterests: [robots]\n")
    assert "\x1b" not in workspace.cli("rank", "ada").output
