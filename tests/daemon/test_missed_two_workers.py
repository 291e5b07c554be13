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

import contextlib
import ctypes
import fcntl
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.faked import digest_started_at, needs_faketime
from helpers.missed_history import at, reader, sunday_served_monday_waiting

from digest.daemon.missed import SAYING
from digest.db import is_postgres, real_file, sidecar
from digest.store import Store

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


@contextlib.contextmanager
def turn_asked(database: str) -> Iterator[Callable[[], bool]]:
    """While the block runs, whether a worker has asked for the turn of saying missed send times
    that another holds (digest.daemon.missed.saying_once) since the block began: on PostgreSQL, it
    waits for the advisory lock; on SQLite, it opened the lock file (inotify's IN_OPEN)."""
    if is_postgres(database):
        high, low = (SAYING >> 32) & 0xFFFFFFFF, SAYING & 0xFFFFFFFF
        waiting = (
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = ? AND objid = ?"
        )
        with Store(database) as store:
            yield lambda: store.db.execute(waiting, (high, low)).fetchone() is not None
        return
    lock = sidecar(real_file(database), ".saying.lock")  # made by the worker holding the turn
    if not lock.exists():  # no turn held (a release before the turn was taken)
        yield lambda: False
        return
    libc = ctypes.CDLL(None, use_errno=True)
    watch = libc.inotify_init1(os.O_NONBLOCK)
    assert watch >= 0, os.strerror(ctypes.get_errno())
    try:
        assert libc.inotify_add_watch(watch, os.fsencode(lock), 0x20) >= 0, lock  # IN_OPEN
        yield lambda: bool(select.select([watch], [], [], 0)[0])
    finally:
        os.close(watch)


def waiting_for_its_turn(worker: subprocess.Popen, asked: Callable[[], bool], seconds: float = 60) -> bool:
    """Whether ``worker`` comes to ask for its turn of saying (or ends, having said them without
    one: before the turn was taken) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if asked() or worker.poll() is not None:
            return True
        time.sleep(0.05)
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
        with turn_asked(ws.config.database) as asked:
            second = digest_started_at(ws, "run", "--once", at=at(7, 5))
            # its pass done, it waits for the first's turn (before: it said its lines and ended)
            assert waiting_for_its_turn(second, asked), "the second pass never came to say its lines"
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
