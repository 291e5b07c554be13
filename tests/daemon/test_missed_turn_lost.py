"""`digest run --once` whose connection is lost as it checks or notes the missed send times it
says (the PostgreSQL server restarted, or its session ended by an administrator, while it waited for
another worker's turn to say them: digest.daemon.missed.saying_once) says them all the same, and
the pass's other lines (a dump it could not read, kept in inbox/failed/), then the error, as where
the database could not be opened again (test_missed_note_unopened), and exits 1. Before, the
error alone ended the command: "nothing to do: ...; ada's digest of 2026-12-07 00:00 UTC not sent
within the 240-minute grace: ..." and "rejected: ...unreadable.txt..." were never said. Shown with
two real `digest run --once` under libfaketime on PostgreSQL: the first holds the turn, its output
a full pipe; the second's connection is ended by pg_terminate_backend as it waits."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest
from click.testing import CliRunner
from daemon.test_missed_two_workers import SAID, blocked_writing, full_pipe
from helpers.faked import digest_started_at, needs_faketime
from helpers.missed_history import at, reader, sunday_served_monday_waiting

from digest.cli import main

pytestmark = [pytest.mark.backends, needs_faketime]


def waiting_for_the_turn(admin: psycopg.Connection) -> int:
    """The backend of the process waiting for the advisory lock of saying missed send times."""
    deadline = time.monotonic() + 120  # the second's start and pass first (2 busy CPUs: may be slow)
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock%'"
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.1)
    raise AssertionError("the second pass never came to wait for the first's turn")


def test_the_lines_of_a_pass_are_said_when_its_connection_is_lost_waiting_for_the_turn(mail_workspace):
    ws = mail_workspace
    if not str(ws.config.database).startswith("postgresql"):
        pytest.skip("a PostgreSQL connection ended by the server")
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    r, w, _ = full_pipe()
    first = digest_started_at(ws, "run", "--once", at=at(7, 5), stdout=w)
    os.close(w)
    try:
        assert blocked_writing(first.pid), "the first pass never came to say its lines"
        ws.dump("unreadable.txt", b"\x00\x01 not a listing \xff" * 40, mtime=at(7, 4))
        second = digest_started_at(ws, "run", "--once", at=at(7, 5))
        with psycopg.connect(autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (waiting_for_the_turn(admin),))
        out, err = second.communicate(timeout=60)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        os.close(r)
    said = " ".join(err.split())
    assert SAID in out, out + err  # Before: not said (the error ended the command first)
    assert "unreadable.txt" in said, said
    assert "terminating connection due to administrator command" in said, said
    assert "the send times said missed above were not noted as said" in said, said
    assert said.index("unreadable.txt") < said.index("not noted as said"), said
    assert second.returncode == 1


def test_run_help_names_the_exit_of_a_connection_lost_noting_them():
    """`run --help`'s exit statuses name this exit 1 (a connection lost as it noted them), as README
    does, not only a database that could not be opened again."""
    helped = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    assert (
        "the database failed as it noted the missed send times it said (not opened again, or the "
        "connection lost: the next pass says them again)"
    ) in helped, helped
