"""One run at a time: an exclusive lock on a file beside the database (``digest.db.lock``).

Held through the open file, so a crash never leaves a stale lock (see :class:`FileLock`).
A worker (`digest run`, `run --once`) also holds ``digest.db.worker.lock`` while it runs, its
id (the workers table's) written in it: the commands beside it ask that one which daemon runs
(:meth:`RunLock.running`), so a question never touches the run lock, and a command starting at
its instant is never refused for it.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from digest.db import is_postgres, real_file, sidecar
from digest.dbfolder import check_folder
from digest.errors import DigestError
from digest.filelock import FileLock


class AlreadyRunning(DigestError):
    """Another digest process holds the database's run lock."""


class RunLock:
    """On SQLite, the file lock; on PostgreSQL nothing: any number of workers share the
    database, and what must run once is claimed in the database (digest.daemon.claims)."""

    def __init__(self, database: Path | str) -> None:
        self.shared, self.database = is_postgres(database), database
        # beside the file itself, however the config names it (through a symbolic link: two
        # daemons on one file otherwise, each holding a lock of its own)
        where = real_file(database)
        # made with the mode the umask gives any new file (0664 under 002: an account of a group
        # sharing the folder takes it too), an earlier release's 0644 widened so at its owner's run
        self.lock = FileLock(sidecar(where, ".lock"), mode=0o666, widen=True)
        self.path = self.lock.path
        # held by a worker besides the run lock: what :meth:`held` asks (not the run lock itself)
        self.worker = FileLock(sidecar(where, ".worker.lock"), mode=0o666)
        # a database named through a symbolic link: where earlier releases took these locks, beside
        # the name as given (a daemon started before an upgrade holds them there until stopped)
        named = None if self.shared else Path(os.path.realpath(sidecar(database, ".lock")))
        earlier = database if named is not None and named != Path(self.path) else None
        self.earlier = [FileLock(sidecar(earlier, s)) for s in (".lock", ".worker.lock")] if earlier else []

    def acquire(self, what: str = "digest", *, worker: str | None = None) -> RunLock:
        """The run lock, or AlreadyRunning at once; ``worker``: this process is a worker, with
        this id in the workers table (its row is the running daemon's while it holds the worker's
        lock: :meth:`running`)."""
        if self.shared:
            return self
        check_folder(self.database)  # the lock file is never what makes the database's folder
        taken = self.lock.acquire(wait=False)
        refused = self.lock if not taken else self._earlier_held(0)
        if refused is not None:
            if taken:
                self.lock.release()
            holder = _holder(refused)
            raise AlreadyRunning(
                f"{refused.path}: the database is in use by {holder}; on SQLite one command that writes "
                f"(`digest run`, `send`, `ingest`, `fetch`) runs at a time, so {what} did not start. "
                + _then(holder, what)
            )
        with contextlib.suppress(OSError):  # a full disk: the holder unsaid ("another process"),
            # and what this command writes next says what is wrong (a note is not worth a crash)
            self.lock.note(f"{what} (pid {os.getpid()})\n")
        if worker is not None:
            try:  # a new file, so a question holding the old one (a shared lock, for an instant:
                # unless stopped there) never holds the worker up; the id written first (no other
                # worker runs: this one holds the run lock), so a question finding the lock held
                # never reads the id of a worker before it
                self.worker.take_anew(worker)
            except BaseException:
                self.release()
                raise
        return self

    def held(self) -> bool:
        """Whether a worker (`digest run`, `run --once`) runs now on this SQLite database; False:
        none does, so no row of the workers table is a running daemon's, however lately it was
        seen (a daemon killed: the kernel dropped its locks), and a command that writes (`digest
        send`) is no daemon. Asked by taking and dropping a shared lock on the worker's file, never
        the run lock: a worker starting at that instant takes a new file (FileLock.take_anew),
        so a question stopped while it holds the lock holds nobody up.
        Always True on PostgreSQL (the workers' rows tell)."""
        return self.shared or self.worker.held() or self._earlier_held(1) is not None

    def running(self) -> str | None:
        """On SQLite, the id of the worker running now (:meth:`held`), as it wrote it in the
        worker's lock file before taking it: the row of that worker alone is a running daemon's,
        whenever the others started (a daemon killed and another started within the same second)
        and before its first heartbeat (its row not written yet: none is); None: none runs ("":
        one runs that wrote no id). Never asked on PostgreSQL, where several run at once."""
        assert not self.shared, "on PostgreSQL the workers' rows tell"
        if self.worker.held():
            return self.worker.holder()
        return "" if self._earlier_held(1) is not None else None  # a worker of a release before the ids

    def _earlier_held(self, which: int) -> FileLock | None:
        """The run lock (``which`` 0) or the worker's (1) beside the name as given, if a process of
        an earlier release holds it there (which made the file: none there, none holds it; one
        this user cannot open, left by another user's, never keeps this one from starting)."""
        if not self.earlier:
            return None
        lock = self.earlier[which]
        return lock if lock.held(unreadable=False) else None

    def release(self) -> None:
        """Both locks dropped, whatever else fails: the holder's note is cleared only if it can be
        (a full disk or disk quota may refuse even the truncation, btrfs's: then it stays, as a
        killed run's does, read only while someone holds the lock), never raising over the error
        the run unwinds with (a DiskFull said as "internal error: OSError")."""
        self.worker.release()
        if self.lock.fd is not None:
            with contextlib.suppress(OSError):
                self.lock.note("")
        self.lock.release()

    def __enter__(self) -> RunLock:
        return self if self.lock.fd is not None or self.shared else self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(lock: FileLock) -> str:
    """Who holds ``lock``: its holder's line ("digest run (pid 4242)"), unless the process it names
    does not hold it: a killed run's line, left where the holder could not write its own over it (a
    full disk or disk quota: btrfs's truncation takes room too), names a dead process; then
    "another process", with the pid the kernel lists as holding it where it lists one."""
    said = lock.holder()
    named = re.search(r"\(pid (\d+)\)", said)
    holders = lock.pids()
    if named is None or holders is None:  # no pid to check, or no /proc/locks: the process there
        stale = named is not None and not _alive(int(named[1]))
        return "another process" if stale or not said else said
    if int(named[1]) in holders:
        return said
    return "another process" + (f" (pid {holders[0]})" if len(holders) == 1 else "")


def _then(holder: str, what: str) -> str:
    """What to do: wait for the holder to finish, unless it is the daemon (`digest run` without
    --once, holding the lock as long as it runs), which never finishes: "wait for the other one
    to finish" had the operator wait for nothing."""
    daemon = re.fullmatch(r"digest run \(pid (\d+)\)", holder)
    if daemon is None:
        return "Wait for the other one to finish (or stop it)."
    if what == "digest run":
        return "It is the daemon, which runs until it is stopped: one is enough."
    return (
        "It is the daemon, which runs until it is stopped (it does not finish): to run "
        f"{what} now, stop it (`kill {daemon[1]}`: what it has not sent waits in the outbox), then start "
        "it again."
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's
        return True
    return True
