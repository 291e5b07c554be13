"""One run at a time: an exclusive lock on a file beside the database (``digest.db.lock``).

Held through the open file, so a crash never leaves a stale lock (see :class:`FileLock`).
"""

from __future__ import annotations

import os
from pathlib import Path

from digest.errors import DigestError
from digest.files import FileLock


class AlreadyRunning(DigestError):
    """Another digest process holds the database's run lock."""


class RunLock:
    def __init__(self, database: Path) -> None:
        self.lock = FileLock(database.with_name(database.name + ".lock"))
        self.path = self.lock.path

    def acquire(self, what: str = "digest") -> RunLock:
        if not self.lock.acquire(wait=False):
            holder = self.lock.holder() or "another process"
            raise AlreadyRunning(
                f"{self.path}: the database is in use by {holder}; only one digest daemon or "
                "send may run on it at a time. Stop the other one first (or wait for it)."
            )
        self.lock.note(f"{what} (pid {os.getpid()})\n")
        return self

    def release(self) -> None:
        if self.lock.fd is not None:
            self.lock.note("")
        self.lock.release()

    def __enter__(self) -> RunLock:
        return self if self.lock.fd is not None else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
