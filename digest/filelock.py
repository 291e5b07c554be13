"""Exclusive locks on files: ``FileLock``, an exclusive ``flock`` on a sidecar file, held
through the open file, so the kernel releases it when the process ends, however it ends (even
``kill -9``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
from pathlib import Path

from digest.dbfaults import disk_full, owned, write_access
from digest.errors import DigestError
from digest.shell_text import shell_word

_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


def _say_full(lock: Path, error: OSError, keeps: str = "two runs") -> None:
    """A lock file a full disk kept from being made or written (a worker's, new at each run: the
    first file `digest run --once` writes) is said as the database's full disk is (DiskFull: the
    room to free, and the digests accepted but not recorded that the command's error names)."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        what = f"the lock file that keeps {keeps} apart cannot be made"
        raise disk_full(lock, what, error.strerror, quota=error.errno == errno.EDQUOT) from None


def umask() -> int | None:
    """This process's umask, as the kernel tells it (/proc/self/status; os.umask would set it,
    and a file another thread makes meanwhile would take the one set); None where it is not told."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return None


def _widened(fd: int, mode: int) -> None:
    """The file open on ``fd``, if this process's owner's, given the bits of ``mode`` less the
    umask that it lacks (best effort: a filesystem that keeps no modes, a file another's)."""
    found, mask = os.fstat(fd), umask()
    missing = mode & ~(mask if mask is not None else 0o777) & ~found.st_mode & 0o777
    if missing and found.st_uid == os.geteuid():
        with contextlib.suppress(OSError):
            os.fchmod(fd, (found.st_mode & 0o7777) | missing)


def _not_writable(path: Path, error: OSError) -> str:
    """Why a lock file could not be opened for writing, and the cure: the file, there, which this
    account may not write (whoever's it is, in whatever folder: its mode decides), or, the file not
    there or the disk read-only, the folder."""
    try:
        found = os.stat(path)
    except OSError:
        found = None
    if found is None or error.errno == errno.EROFS:
        return "; the folder must be writable for this command"
    fix = write_access(found, shell_word(str(path)))  # its path pasted as it is
    return (
        f"; it is {owned(found)}, which this account may not write: {fix}, "
        "or remove it while no digest command runs on this database"
    )


def _write_note(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, text.encode(), 0)


class FileLock:
    """An exclusive lock on ``path`` (created if missing). ``wait=False``: fail at once if held.

    Use as a context manager (waits), or ``acquire(wait=False)``, which returns False when
    another process holds it. ``note`` writes a line into the lock file saying who holds it.
    """

    def __init__(
        self,
        path: Path,
        mode: int = 0o644,
        others: bool = False,
        widen: bool = False,
        keeps: str = "two runs",
    ) -> None:
        """``others``: a lock file another user may have made (root's one `digest send`), taken
        on the file opened for reading where it cannot be opened for writing (flock asks no more);
        only for a lock that writes no ``note``. ``widen``: a lock file of this process's owner
        whose mode is narrower than ``mode`` less the umask (an earlier release's 0600) is given
        the missing bits as it is taken; never narrowed, nor another user's changed. ``keeps``: what
        it keeps apart, as its errors say it ("two runs", "two edits of this profile")."""
        self.path = path
        self.keeps = keeps
        self.mode = mode
        self.others = others
        self.widen = widen
        self.fd: int | None = None

    def acquire(self, wait: bool = True, note: str | None = None) -> bool:
        """``note``: written into the file before the lock is taken, so whoever finds it held
        reads the holder's note, never the one before it (written after, there is an instant
        between); only for a lock whose takers another lock keeps apart (digest.daemon.lock's
        worker lock, taken under the run lock), else it would write over a holder's note."""
        try:
            fd = self._open()
        except OSError as e:  # a read-only disk or folder: said as such, not as an internal error
            _say_full(self.path, e, self.keeps)
            hint = _not_writable(self.path, e) if e.errno in _NOT_WRITABLE else ""
            what = "open" if self.path.exists() else "make"  # on a read-only disk it may well exist
            raise DigestError(
                f"{self.path}: cannot {what} the lock file that keeps {self.keeps} apart: "
                f"{e.strerror or e}{hint}"
            ) from None
        try:
            if note is not None:
                _write_note(fd, note)
        except OSError as e:
            os.close(fd)
            _say_full(self.path, e, self.keeps)
            raise DigestError(f"{self.path}: cannot write who holds the lock: {e.strerror or e}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as e:  # NFS takes no flock on a file opened for reading (EBADF)
            os.close(fd)
            raise DigestError(f"{self.path}: cannot take the lock: {e.strerror or e}") from None
        self.fd = fd
        return True

    def _open(self) -> int:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, self.mode)
            if self.widen:
                _widened(fd, self.mode)
            return fd
        except PermissionError:
            if self.others and self.path.exists():  # another user's file in a folder we may write
                return os.open(self.path, os.O_RDONLY)
            raise

    def take_anew(self, note: str) -> None:
        """The lock, on a new file put in place of ``path`` with ``note`` in it: never waits for
        whoever has the file there now (a question that holds it for an instant, :meth:`held`,
        stopped there: SIGSTOP, a debugger, keeps the old one, unlinked). Only for a lock whose
        takers another lock keeps apart (digest.daemon.lock's worker lock, under the run lock):
        so another ``<path>.<pid>.new`` there is one a taker killed before its rename left (a
        SIGKILL, the OOM killer), removed here."""
        new = self.path.with_name(f"{self.path.name}.{os.getpid()}.new")
        fd = -1
        try:
            fd = os.open(new, os.O_RDWR | os.O_CREAT | os.O_TRUNC, self.mode)
            _write_note(fd, note)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else has this file
            os.replace(new, self.path)
        except OSError as e:
            if fd >= 0:
                os.close(fd)
            new.unlink(missing_ok=True)
            _say_full(self.path, e, self.keeps)
            raise DigestError(f"{self.path}: cannot make the lock file: {e.strerror or e}") from None
        self.fd = fd
        for left in self.path.parent.glob(f"{glob.escape(self.path.name)}.*.new"):
            with contextlib.suppress(OSError):  # best effort: a stray file, nothing holds it
                left.unlink()

    def held(self, unreadable: bool = True) -> bool:
        """Whether a process holds the lock now (this one included), told by taking a shared lock
        and dropping it at once (a flock, unlike a POSIX lock, has no way to ask without taking
        it); a file that cannot be opened to ask is said ``unreadable`` (none missing: nobody
        ever took it)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        except OSError:
            return unreadable
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # (drops the shared lock, if taken)
        return False

    def holder(self) -> str:
        """What the holder wrote with :meth:`note` (empty if nothing)."""
        try:
            with open(self.path, "rb") as f:
                return f.read(200).decode(errors="replace").strip()
        except OSError:
            return ""

    def pids(self) -> list[int] | None:
        """The processes holding the lock now, as the kernel lists them (/proc/locks: an exclusive
        flock on the file's inode), or None where that cannot be read."""
        try:
            inode, listed = os.stat(self.path).st_ino, Path("/proc/locks").read_text()
        except OSError:
            return None
        found = []
        for line in listed.splitlines():  # "1: FLOCK  ADVISORY  WRITE 2393 00:1a:12345 0 EOF"
            parts = line.split()  # (a process waiting for it: "1: -> FLOCK ...", left out)
            if parts[1:2] == ["FLOCK"] and parts[3:4] == ["WRITE"] and parts[5].endswith(f":{inode}"):
                found.append(int(parts[4]))
        return found

    def note(self, text: str) -> None:
        assert self.fd is not None
        _write_note(self.fd, text)

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        if self.fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
