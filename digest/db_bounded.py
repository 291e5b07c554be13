"""A PostgreSQL connection made within one wait in all. psycopg gives each attempt its own
``connect_timeout``: each host of a URL with several, and each address a host name resolves to
(``localhost``: ::1, then 127.0.0.1), so a server that does not answer on two addresses is
waited for twice. A read that only adds to what a command says (the look-up of a name without a
profile file, digest.cli.renamed_user) is bounded as a whole instead: its connection is made in a
thread it stops waiting for once the wait is over (the thread ends by itself with its last
attempt, closing a connection made too late), and each of its statements may wait what is left
of it (``statement_timeout``): a lock held elsewhere (another process's upgrade, in one
transaction) does not keep it waiting for as long as it is held."""

from __future__ import annotations

import math
import threading
import time

from digest.db import PgConnection


class _Attempt:
    """One connection made in a thread; its result taken, or left (then closed when it comes)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.left = False  # given up on: a connection made after it is closed at once
        self.connection: PgConnection | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            connection: PgConnection | None = PgConnection(self.url, connect_timeout=self.timeout)
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
    it cancelled after what is left of them (psycopg's QueryCanceled)."""
    import psycopg

    deadline = time.monotonic() + timeout
    attempt = _Attempt(url, timeout)
    threading.Thread(target=attempt.run, name="digest-connect-within", daemon=True).start()
    if not attempt.done.wait(timeout) and attempt.leave():
        raise psycopg.errors.ConnectionTimeout("connection timeout expired")
    if attempt.error is not None:
        raise attempt.error
    assert attempt.connection is not None
    left = max(1, math.ceil((deadline - time.monotonic()) * 1000))  # ms (0 would be none), not short of it
    attempt.connection.execute(f"SET statement_timeout = {left}")
    return attempt.connection
