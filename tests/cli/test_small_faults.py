"""The smaller faults of issue 10, each as the user meets it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.login_config import login_config

from digest.cli import main
from digest.daemon.lock import RunLock

from conftest import make_dump

pytestmark = pytest.mark.usefixtures("drafts_in_tmp")  # a kept draft: in the test's folder


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


def test_an_unset_smtp_password_variable_is_found_before_anything_is_queued(workspace, monkeypatch):
    from digest.deliver.outbox import Outbox
    from digest.store import Store

    monkeypatch.delenv("DIGEST_TEST_SMTP_PW", raising=False)
    login_config(workspace, 2525)
    for args in (("send",), ("run", "--once")):
        result = workspace.cli(*args)
        assert result.exit_code == 1, result.output
        assert "$DIGEST_TEST_SMTP_PW" in result.output and "not set" in result.output
        assert "Traceback" not in result.output
    with Store(workspace.config.database) as store:
        assert Outbox(store).counts()["queued"] == 0


class RefusesLogin:
    """A raw SMTP server on loopback that offers AUTH PLAIN and answers every login with 535."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.logins = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 test ESMTP\r\n")
                for line in lines:
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        conn.sendall(b"250-test\r\n250 AUTH PLAIN\r\n")
                    elif verb == b"AUTH":
                        self.logins += 1
                        conn.sendall(b"535 5.7.8 Authentication credentials invalid\r\n")
                    elif verb == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        conn.sendall(b"503 no\r\n")

    def close(self) -> None:
        import contextlib
        import socket

        # shutdown wakes the blocked accept() (close alone does not): no thread is left running
        # (a running thread keeps later tests from forking)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)


def test_a_refused_login_is_named_as_such_and_not_retried_message_after_message(workspace, monkeypatch):
    monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "wrong")
    server = RefusesLogin()
    try:
        login_config(workspace, server.port)
        for i in range(3):
            workspace.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [robots]\n")
        result = workspace.cli("send")
    finally:
        server.close()
    assert result.exit_code == 1, result.output
    assert "authentication failed" in result.output and "535" in result.output
    assert "smtp.username" in result.output and "check smtp.host" not in result.output
    assert server.logins == 1  # one refused login stops the pass: not one per message


def test_a_rejected_dumps_note_names_it_in_failed_and_leaves_the_rest_of_the_reason_alone(
    tmp_path, monkeypatch
):
    from digest.ingest import inbox

    monkeypatch.chdir(tmp_path)  # `inbox: .`: the dump's path is its bare name, "a"
    Path("a").write_text("not a dump\n")
    kept = inbox.move_failed(Path("a"), Path("."), "a:1: not a listing dump this tool can read")
    note = kept.with_name("a.error.txt").read_text()
    assert note == f"{kept}:1: not a listing dump this tool can read\n"


def test_status_lists_the_newest_dumps_put_aside_and_counts_the_rest(workspace):
    for i in range(12):
        workspace.dump(f"bad{i:02}.txt", "garbage\n")
        assert workspace.cli("ingest").exit_code == 1  # each rejected, in its turn
    text = workspace.cli("status").output
    listed = [line.split("failed/")[1].split(":")[0] for line in text.splitlines() if "failed/bad" in line]
    assert listed == [f"bad{i:02}.txt" for i in range(11, 1, -1)]  # the newest ten, newest first
    assert "... and 2 older, in " in text


def test_an_unset_secret_variable_says_to_export_the_secret_already_in_use_not_a_new_one(
    workspace, monkeypatch
):
    # said before: "export it (e.g. `export DIGEST_SECRET=$(openssl rand -hex 32)`) before sending
    # or serving", to someone previewing in a new shell: a new random secret, as told, revokes
    # every link of the emails already sent
    with workspace.config_path.open("a") as f:
        f.write("base_url: https://digest.example.org\nweb:\n  secret_env: DIGEST_TEST_UNSET\n")
    monkeypatch.delenv("DIGEST_TEST_UNSET", raising=False)
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    result = workspace.cli("profile", "url", "ada")  # (`preview` goes on: its links unsigned)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: web.secret_env names $DIGEST_TEST_UNSET, but that environment variable is not set: "
        "export it with the secret the links are signed with (the same for `send`, `run`, `serve` and "
        "`preview`); only the first time a new one (`export DIGEST_TEST_UNSET=$(openssl rand -hex 32)`): "
        "another revokes every link of the emails already sent"
    )
