"""`digest send --user ada` while another PostgreSQL session holds ada's queued digest (a
transaction left open over its outbox row) gives up after SQLite's wait (30 s; here the
operator's own shorter lock_timeout), says who holds the row and what to do, and that no digest
was queued or sent: the message waits as it did (what the send took in first, kept, is not "nothing
was changed", as was said). Was: the send's making her digest due now (Outbox.retry_now) waited
as long as the row was held, saying nothing (still waiting when killed after 8 s). A real `digest`
process, a mail server that refuses (a bound port not listening), a second real session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psycopg
import pytest

from digest.db import is_postgres
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

HANG = 120  # seconds: only a command that hangs takes this long
SHORTER = {**os.environ, "PGOPTIONS": "-c lock_timeout=2s"}  # the operator's own, kept (< 30 s)


def test_a_queued_digest_held_by_another_session_is_given_up_with_who_holds_it(tmp_path, database):
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is its busy timeout)")
    with socket.socket() as closed:  # bound, not listening: the mail server refuses
        closed.bind(("127.0.0.1", 0))
        ws = Workspace(tmp_path, closed.getsockname()[1], database=database)
        ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert ws.cli("ingest").exit_code == 0
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--user", "ada"]
        first = subprocess.run(command, capture_output=True, text=True, timeout=HANG)
        assert "the mail server could not be reached" in first.stdout, first.stdout + first.stderr
        with Store(ws.config.database) as store:
            before = store.db.execute("SELECT id, status, attempts, next_attempt_at FROM outbox").fetchall()
        assert [row[1] for row in before] == ["queued"]
        # a listing dropped meanwhile: the send takes it in before it makes her digest due (stored)
        ws.dump("later.txt", make_dump("Mar 15", [("Robotics Tomorrow", "More robots.")]))
        other = psycopg.connect(str(database), application_name="held by the test")
        try:
            assert other.execute("SELECT * FROM outbox WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
            holder = other.info.backend_pid
            done = subprocess.run(command, capture_output=True, env=SHORTER, text=True, timeout=HANG)
        finally:
            other.rollback()
            other.close()
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"ada's queued digests stayed locked by another session for 2 s (held by pid {holder}, "
        "application 'held by the test', idle in transaction since "
    ) in said, said
    assert (
        " UTC); no digest was queued or sent: wait for it to end its transaction (commit or roll back) "
        "and try again (canceling statement due to lock timeout)"
    ) in said, said
    with Store(ws.config.database) as store:
        after = store.db.execute("SELECT id, status, attempts, next_attempt_at FROM outbox").fetchall()
        titles = sorted(r[0] for r in store.db.execute("SELECT title FROM papers").fetchall())
    assert after == before  # waits as it did
    # taken in before the give-up, and kept: not "nothing was changed" (as it was said)
    assert titles == ["Robotics Today", "Robotics Tomorrow"]
    assert not (ws.root / "inbox" / "later.txt").exists()  # moved out of the inbox: read


def test_a_send_to_every_reader_says_some_of_their_digests_were_held(tmp_path, database):
    """ada's queued digest held, bob's not: `digest send` (every reader) says some of the two
    readers' digests stayed locked (was: "2 readers' queued digests stayed locked", bob's too)."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is its busy timeout)")
    with socket.socket() as closed:  # bound, not listening: the mail server refuses
        closed.bind(("127.0.0.1", 0))
        ws = Workspace(tmp_path, closed.getsockname()[1], database=database)
        ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
        ws.profile("bob", "email: bob@example.org\ninterests: [robotics]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert ws.cli("ingest").exit_code == 0
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        first = subprocess.run(command, capture_output=True, text=True, timeout=HANG)
        assert first.stdout.count("the mail server could not be reached") == 2, first.stdout + first.stderr
        other = psycopg.connect(str(database), application_name="held by the test")
        try:
            assert other.execute("SELECT * FROM outbox WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
            holder = other.info.backend_pid
            done = subprocess.run(command, capture_output=True, env=SHORTER, text=True, timeout=HANG)
        finally:
            other.rollback()
            other.close()
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"some of 2 readers' queued digests stayed locked by another session for 2 s (held by pid {holder}, "
    ) in said, said
