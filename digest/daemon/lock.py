"""One run at a time: an exclusive lock on a file beside the database (``digest.db.lock``).

Held through the open file, so a crash never leaves a stale lock (see :class:`FileLock`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from digest.db import is_postgres, sidecar
from digest.dbfaults import check_folder
from digest.errors import DigestError
from digest.files import FileLock

ASKED_FOR = 0.5  # seconds: how long a run waits for the lock that a process asking (held) holds


class AlreadyRunning(DigestError):
    """Another digest process holds the database's run lock."""


class RunLock:
    """On SQLite, the file lock; on PostgreSQL nothing: any number of workers share the
    database, and what must run once is claimed in the database (digest.daemon.claims)."""

    def __init__(self, database: Path | str) -> None:
        self.shared, self.database = is_postgres(database), database
        self.lock = FileLock(sidecar(database, ".lock"))
        self.path = self.lock.path

    def acquire(self, what: str = "digest") -> RunLock:
        if self.shared:
            return self
        check_folder(self.database)  # the lock file is never what makes the database's folder
        if not self._acquire():
            holder = self.lock.holder() or "another process"
            raise AlreadyRunning(
                f"{self.path}: the database is in use by {holder}; on SQLite one command that writes "
                f"(`digest run`, `send`, `ingest`, `fetch`) runs at a time, so {what} did not start. "
                "Wait for the other one to finish (or stop it)."
            )
        self.lock.note(f"{what} (pid {os.getpid()})\n")
        return self

    def _acquire(self) -> bool:
        """The lock, if no other process holds it: tried for a moment, since a process asking
        whether a daemon runs (:meth:`held`) holds it for an instant."""
        deadline = time.monotonic() + ASKED_FOR
        while not self.lock.acquire(wait=False):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def held(self) -> bool:
        """Whether a process holds the lock now: on SQLite a daemon (or a command that writes)
        runs; False: none does, so no row of the workers table is a running daemon's, however
        lately it was seen (a daemon killed, the kernel dropped its lock). Always True on
        PostgreSQL (the workers' rows tell)."""
        return self.shared or self.lock.held()

    def release(self) -> None:
        if self.lock.fd is not None:
            self.lock.note("")
        self.lock.release()

    def __enter__(self) -> RunLock:
        return self if self.lock.fd is not None or self.shared else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
