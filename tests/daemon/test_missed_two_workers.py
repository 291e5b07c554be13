"""Two PostgreSQL workers whose passes end together say a missed send time once between them. A
pass checks, as it ends, that no pass noted the send times it found missed since (another worker's
may have said them meanwhile: test_missed_said_killed), says them, then notes them; a worker whose
pass ended between another's check and its note found them not yet noted too, and both said "ada's
digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace". The check, the saying and the
note are now one worker's at a time (digest.daemon.missed.saying_once). Shown with two real `digest
run --once` under libfaketime: the first held at the moment between, its output a pipe already
full (it blocks writing its lines), while the second runs its pass. On SQLite too: the run lock
keeps two passes apart, but the first's is over as it says its lines, and the second's ran then
(two `run --once` from cron, the first's output slow to be taken): a lock file takes the advisory
lock's place."""

from __future__ import annotations

import fcntl
import os
import signal
import time
from pathlib import Path

import pytest
from helpers.faked import digest_started_at, needs_faketime
from helpers.missed_history import at, reader, sunday_served_monday_waiting

pytestmark = [pytest.mark.backends, needs_faketime]

SAID = "not sent within the 240-minute grace"


def full_pipe() -> tuple[int, int, int]:
    """A pipe whose buffer is full: (its read end, its write end, the bytes written)."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
    written = 0
    try:
        while True:
            written += os.write(w, b"x" * 4096)
    except BlockingIOError:
        fcntl.fcntl(w, fcntl.F_SETFL, 0)
    return r, w, written


def blocked_writing(group: int, seconds: float = 60) -> bool:
    """Whether a process of the process group ``group`` comes to wait writing to a pipe."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                in_group = int(stat.read_text().rsplit(")", 1)[1].split()[2]) == group
                if in_group and "pipe_write" in (stat.parent / "wchan").read_text():  # (anon_)pipe_write
                    return True
            except (OSError, ValueError, IndexError):
                continue
        time.sleep(0.1)
    return False


def test_two_workers_ending_together_say_a_missed_send_time_once(mail_workspace):
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    r, w, written = full_pipe()
    first = digest_started_at(ws, "run", "--once", at=at(7, 5), stdout=w)
    os.close(w)
    try:
        assert blocked_writing(first.pid), "the first pass never came to say its lines"
        second = digest_started_at(ws, "run", "--once", at=at(7, 5))
        time.sleep(3)  # its pass done (before: its lines said); now it waits for the first's turn
        with os.fdopen(r, "rb") as pipe:
            first_out = pipe.read()[written:].decode()
        second_out, second_err = second.communicate(timeout=60)
        first.wait(60)
    except BaseException:
        os.killpg(first.pid, signal.SIGKILL)
        raise
    assert first.returncode == 0 and second.returncode == 0, second_err
    # Before: both said "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace"
    assert (first_out + second_out).count(SAID) == 1, (first_out, second_out)
    assert SAID in first_out, first_out


def test_a_worker_stuck_saying_them_holds_another_for_ten_seconds_at_the_most(mail_workspace):
    """The first worker's output never read (a full pipe nobody empties): the second waits for its
    turn 10 s at the most (TURN_WAIT_MS), then says the send time itself, at least once rather than
    a pass hung, and notes it: the pass after it neither waits nor says it again."""
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    r, w, _ = full_pipe()
    first = digest_started_at(ws, "run", "--once", at=at(7, 5), stdout=w)
    os.close(w)
    try:
        assert blocked_writing(first.pid), "the first pass never came to say its lines"
        began = time.monotonic()
        second = digest_started_at(ws, "run", "--once", at=at(7, 5))
        second_out, second_err = second.communicate(timeout=90)
        waited = time.monotonic() - began
        began = time.monotonic()
        third = digest_started_at(ws, "run", "--once", at=at(7, 6))
        third_out, third_err = third.communicate(timeout=90)
        third_took = time.monotonic() - began
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        os.close(r)
    assert second.returncode == 0 and third.returncode == 0, second_err + third_err
    assert SAID in second_out, second_out
    assert 10 <= waited < 60, waited
    assert SAID not in third_out and third_took < waited - 5, (
        third_out,
        third_took,
        waited,
    )  # no turn waited
