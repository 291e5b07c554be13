"""The look-up of a name without a profile file (a typo: `digest rank bax`) waits LOOKUP_WAIT at
most in all, its statements too: a table it reads locked by another connection (another
process's upgrade of the tables, in one transaction, holds them so while it runs) does not keep a
mistyped name waiting for as long as the lock is held; the error says the closest name and that
whether it was a reader's is not known, as for a database that does not answer, and why: not the
server's bare "canceling statement due to statement timeout" (the look-up's own bound, which the
user never set), but what keeps a statement waiting, as SQLite's lock is said "locked"."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from digest.cli.renamed_user import LOOKUP_WAIT
from digest.db import PgConnection, is_postgres

from conftest import Workspace

pytestmark = pytest.mark.backends


def test_a_mistyped_name_waits_for_a_locked_table_the_look_ups_time_at_most(tmp_path, database, db_at):
    if not is_postgres(db_at):
        pytest.skip("a reader of SQLite's (WAL) is not kept waiting by another connection's lock")
    ws = Workspace(tmp_path, database=database)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    assert ws.cli("ingest").exit_code == 0  # the tables made
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:  # another process's upgrade; let go after a while whatever happens
        holder = PgConnection(str(db_at))
        try:
            with holder.transaction():
                holder.execute("LOCK TABLE reader_renames IN ACCESS EXCLUSIVE MODE")
                locked.set()
                done.wait(LOOKUP_WAIT + 10)
        finally:
            holder.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(30)
        started = time.monotonic()
        result = ws.cli("rank", "bax")
        took = time.monotonic() - started
    finally:
        done.set()
        thread.join()
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert (
        "no profile for user 'bax'. Did you mean 'bad'? (whether bax was a reader whose file was renamed or "
        f"removed is not known: the database could not be read (this look-up waits {LOOKUP_WAIT} s at most): "
    ) in said, said
    assert (
        ": the server did not answer in time: a table it reads held by another session (another digest's "
        "upgrade of the tables, a connection left idle in a transaction), or the server busy; try again once "
        "it is done (canceling statement due to statement timeout))"
    ) in said, said
    # without the wait: the lock's LOOKUP_WAIT + 10 s; 5 s of slack for a busy machine
    assert took < LOOKUP_WAIT + 5, took


def test_statements_kept_waiting_one_after_another_wait_the_look_ups_time_in_all(tmp_path, database, db_at):
    """Each statement is given what is left of the wait, not the whole of it again: a table locked
    until just before the wait is over, then another still locked, end the look-up with the wait
    (without it: the first lock's 4.5 s, then the next statement's own 5 s)."""
    if not is_postgres(db_at):
        pytest.skip("a reader of SQLite's (WAL) is not kept waiting by another connection's lock")
    ws = Workspace(tmp_path, database=database)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    assert ws.cli("ingest").exit_code == 0
    started, done = threading.Event(), threading.Event()
    locked = [threading.Event(), threading.Event()]

    def hold(table: str, i: int, ends: Callable[[], object]) -> None:  # let go whatever happens
        holder = PgConnection(str(db_at))
        try:
            with holder.transaction():
                holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                locked[i].set()
                ends()
        finally:
            holder.close()

    first = threading.Thread(  # reader_renames, the look-up's first read: let go 0.5 s before the wait ends
        target=hold, args=("reader_renames", 0, lambda: started.wait(30) and done.wait(LOOKUP_WAIT - 0.5))
    )
    then = threading.Thread(target=hold, args=("suppressions", 1, lambda: done.wait(2 * LOOKUP_WAIT + 10)))
    for thread in (first, then):
        thread.start()
    try:
        assert all(event.wait(30) for event in locked)
        began = time.monotonic()
        started.set()
        result = ws.cli("rank", "bax")
        took = time.monotonic() - began
    finally:
        done.set()
        first.join()
        then.join()
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert f"(this look-up waits {LOOKUP_WAIT} s at most): " in said, said
    assert "canceling statement due to statement timeout" in said, said
    assert took < LOOKUP_WAIT + 3.5, took  # without it: 4.5 s, then the next statement's own 5 s (9 s)
