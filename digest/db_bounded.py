"""A PostgreSQL connection made within one wait in all. psycopg gives each attempt its own
``connect_timeout``: each host of a URL with several, and each address a host name resolves to
(``localhost``: ::1, then 127.0.0.1), so a server that does not answer on two addresses is
waited for twice. A read that only adds to what a command says (the look-up of a name without a
profile file, digest.cli.renamed_user) is bounded as a whole instead: its connection is made in a
thread it stops waiting for once the wait is over (the thread ends by itself with its last
attempt, closing a connection made too late), and each of its statements may wait what is left
of it (``statement_timeout``, set again before each: one that waited, then another, wait it in
all): a lock held elsewhere (another process's upgrade, in one transaction) does not keep it
waiting for as long as it is held. On SQLite likewise (:class:`BoundedSqlite`): the busy timeout,
its wait for another process's lock (a writer's in bursts, on a database not in WAL mode), is each
statement's too, so one statement after another waited 5 s each (9 s for a look-up seen here)."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from digest.db import PgConnection, PgCursor


class _Bounded(PgConnection):
    """A connection each statement of which may wait what is left until ``deadline`` (monotonic)."""

    deadline = math.inf

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> PgCursor:
        self._bound()
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        self._bound()
        return super().executemany(sql, rows)

    def _bound(self) -> None:
        left = max(1, math.ceil((self.deadline - time.monotonic()) * 1000))  # ms (0 would be none)
        self.raw.execute(f"SET statement_timeout = {left}")


class BoundedSqlite(sqlite3.Connection):
    """An SQLite connection (``sqlite3.connect``'s factory) each statement of which may wait for
    another's lock what is left of its ``timeout`` (from when it was opened), not all of it again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = time.monotonic() + kwargs.get("timeout", 5.0)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self._bound()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self._bound()
        return super().executemany(sql, parameters)

    def _bound(self) -> None:
        left = max(1, math.ceil((self.deadline - time.monotonic()) * 1000))  # ms (0 would be none)
        super().execute(f"PRAGMA busy_timeout = {left}")


class _Attempt:
    """One connection made in a thread; its result taken, or left (then closed when it comes)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.left = False  # given up on: a connection made after it is closed at once
        self.connection: _Bounded | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            connection: _Bounded | None = _Bounded(self.url, connect_timeout=self.timeout)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread, raised there
            connection, self.error = None, e
        with self.lock:
            if self.left and connection is not None:
                connection.close()
            self.connection = connection
            self.done.set()

    def leave(self) -> bool:
        """Give up on it, unless it ended meanwhile (False: its result is there)."""
        with self.lock:
            self.left = not self.done.is_set()
            return self.left


def connect_within(url: str, timeout: float) -> PgConnection:
    """A connection to ``url`` made within ``timeout`` seconds in all, whatever the attempts (if
    none is, psycopg's ConnectionTimeout, as a single attempt's wait ends with), each statement on
    it cancelled once they are over (psycopg's QueryCanceled)."""
    import psycopg

    deadline = time.monotonic() + timeout
    attempt = _Attempt(url, timeout)
    threading.Thread(target=attempt.run, name="digest-connect-within", daemon=True).start()
    if not attempt.done.wait(timeout) and attempt.leave():
        raise psycopg.errors.ConnectionTimeout("connection timeout expired")
    if attempt.error is not None:
        raise attempt.error
    assert attempt.connection is not None
    attempt.connection.deadline = deadline
    return attempt.connection
