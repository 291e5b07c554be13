"""The look-up of a name without a profile file (digest.cli.renamed_user) opens the database as
found (Store's ``as_found``) and waits for it LOOKUP_WAIT at most in all, on SQLite as on
PostgreSQL: SQLite's busy timeout, its wait for another process's lock, was each statement's, so
a look-up whose statements each met a writer's lock (a database in rollback-journal mode, another
process writing in bursts) waited the whole timeout again for each, as PostgreSQL's did before its
statement_timeout was set to what was left. Here a second statement, the lock still held, fails at
once instead of waiting it all again; and one made later waits what is left of it only."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from digest.store import Store

WAIT = 2.0  # the look-up's bound here (LOOKUP_WAIT's 5 s, shorter)


@pytest.fixture
def database(tmp_path) -> Path:
    """A digest database another tool left in rollback-journal mode (readers wait for a writer)."""
    path = tmp_path / "digest.db"
    Store(path).close()
    subprocess.run(["sqlite3", str(path), "PRAGMA journal_mode=DELETE"], check=True, capture_output=True)
    return path


@pytest.fixture
def locked(database) -> Iterator[Callable[[], None]]:
    """Start another process (sqlite3) holding the database's exclusive lock until the test ends."""
    holders: list[subprocess.Popen] = []

    def lock() -> None:
        holder = subprocess.Popen(["sqlite3", str(database)], stdin=subprocess.PIPE, text=True)
        holder.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'held';\n")
        holder.stdin.flush()
        holders.append(holder)
        deadline = time.monotonic() + 30  # taken once a reader that does not wait is refused
        while _readable(database):
            assert time.monotonic() < deadline, "sqlite3 did not take the lock"
            time.sleep(0.02)

    yield lock
    for holder in holders:
        holder.stdin.close()
        holder.wait(10)


def _readable(database: Path) -> bool:
    try:
        with sqlite3.connect(database, timeout=0) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        return False
    return True


def waited(store: Store) -> float:
    started = time.monotonic()
    with pytest.raises(Exception, match="locked"):
        store.db.execute("SELECT COUNT(*) FROM reader_renames").fetchone()
    return time.monotonic() - started


def test_the_look_ups_statements_wait_its_time_in_all(database, locked):
    with Store(database, readonly=True, as_found=True, timeout=WAIT) as store:
        opened = time.monotonic()  # its time counted from the open, just before
        locked()  # after the open: its statements meet it
        time.sleep(0.5)  # some of its time gone
        waited(store)
        assert WAIT - 0.3 <= time.monotonic() - opened <= WAIT + 0.3  # what was left of it, not all again
        assert waited(store) < 0.5  # not the whole wait again


def test_a_command_that_is_not_a_look_up_still_waits_for_each_statement(database, locked):
    with Store(database, readonly=True, timeout=WAIT) as store:  # `digest status`: not bounded in all
        locked()
        assert waited(store) >= WAIT - 0.1
        assert waited(store) >= WAIT - 0.1
