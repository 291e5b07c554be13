"""What SQLite's errors mean for the user (the file, the cause, what to do), and opening a
database read-only, as on a read-only disk. (The check that its folder exists: digest.dbfolder.)"""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import pwd
import sqlite3
import stat
import tempfile
from pathlib import Path

from digest.db import is_postgres
from digest.errors import StoreError, StoreUnusable
from digest.pggrants import no_schema_usable, sql_role, write_refused
from digest.shell_text import shell_word

FULL_BELOW = 1024 * 1024  # less room left than this: SQLite's "disk I/O error" there is a full disk's
QUOTA_PROBE = 16 * 1024  # bytes written to learn whether a disk quota is used up (a page or two of SQLite's)


class DiskFull(StoreError):
    """The SQLite database's disk is full (SQLite's "database or disk is full", or an I/O error,
    as it says a -shm file it cannot grow, with next to no room left at that moment)."""


def explain(error: sqlite3.Error, path: Path) -> StoreError | None:
    """What an SQLite error means for the user, naming the file and what to do (None: a bug)."""
    if isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return None  # our own constraints and misuse: bugs, not the disk's doing
    text = str(error).lower()
    lasting = True  # unusable until fixed (StoreUnusable); False: it may pass (locked, full, I/O)
    kept = "what was being written then was not stored; what was before is kept"
    if _no_file_left(path) and any(w in text for w in ("readonly", "unable to open", "disk i/o")):
        return disk_full(path, kept, error)  # its -wal and -shm cannot be made: opened read-only, or not
    if any(w in text for w in ("readonly", "unable to open", "disk i/o", "full")) and (
        over := _over_quota(path)
    ):
        return disk_full(path, kept, f"{error}; a file made there: {over}", quota=True)
    if "readonly" in text and (theirs := _others_wal(path)):
        why, fix = theirs
    elif "readonly" in text or "read-only" in text or ("unable to open" in text and _read_only_folder(path)):
        why, fix = unwritable(path)
        fix += ", or use a reading command (status, rank)"
    elif "locked" in text or "busy" in text:
        why, lasting = "the database stayed locked by another process for too long", False
        fix = "wait for it to finish (another digest, or a tool holding the file open) and try again"
    elif "full" in text or (("disk i/o" in text or "unable to open" in text) and _room(path) < FULL_BELOW):
        return disk_full(path, kept, error)
    elif "malformed" in text or "not a database" in text or "corrupt" in text:
        why = "the database file is corrupt"
        fix = "restore it from a backup, or move it away to start afresh (dumps can be ingested again)"
    elif "unable to open" in text or "disk i/o" in text:
        why, lasting = "the database file cannot be opened or written", False
        fix = "check that its folder exists and is writable, and that the disk is healthy"
    else:
        return None
    return (StoreUnusable if lasting else StoreError)(f"{path}: {why}; {fix} ({error})")


def explain_pg(error: Exception, name: str, url: str = "") -> StoreError | None:
    """What a PostgreSQL error during a statement means for the user (None: not one said here).
    Its disk full (SQLSTATE 53100) is the database server's, which may be another machine: the
    server's text ("could not extend file ...: No space left on device", a HINT on a second
    line) names neither that machine nor that nothing stored before is lost. ``url``: to ask the
    server what a role refused a table may do (the URL as configured: ``name`` is it shown)."""
    if getattr(error, "sqlstate", None) == "42501":
        return write_refused(error, name, url)
    if getattr(error, "sqlstate", None) == "3F000" and "no schema has been selected" in str(error):
        return no_schema_usable(error, name, url)
    if getattr(error, "sqlstate", None) != "53100":
        return None
    first = str(error).strip().splitlines()[0] if str(error).strip() else "disk full"
    return StoreError(
        f"{name}: the PostgreSQL server's disk is full (what was being written then was not stored; "
        "what was before is kept); free some space where its data directory is, on the database "
        f"server (not necessarily this machine), and try again ({first})"
    )


def unindexed_read_only(
    error: Exception, name: str, role: str, schema: str = "public"
) -> StoreUnusable | None:
    """What PostgreSQL denying a write (SQLSTATE 42501) to the papers' index means for ``role``:
    one that may only read (a role granted SELECT) cannot index the papers stored since the last
    indexing, which any ranking needs first; a role that may write has to do it, or this one be
    granted writes, in ``schema`` (its tables', as a statement names it) (None: another error)."""
    if getattr(error, "sqlstate", None) != "42501":
        return None
    first = str(error).strip().splitlines()[0]
    return StoreUnusable(
        f"{name}: role '{role}' may only read this database, and the papers stored since it was last "
        "indexed must be indexed (written) before anything is ranked; index them through a role that "
        "may write (the daemon's next pass, or `digest status`, `digest send` or this command run so), "
        f"then run this again, or grant this role writes (GRANT INSERT, UPDATE, DELETE ON ALL TABLES "
        f"IN SCHEMA {schema} TO {sql_role(role)}) ({first})"
    )


def disk_full(path: Path, what: str, error: object, quota: bool = False) -> DiskFull:
    """``path`` could not be written for a full disk (``what`` it means), with the room left now
    (another process may have freed some since) and the room to free; ``quota``: for a disk quota
    used up (EDQUOT), whatever room the disk has."""
    if quota:
        return DiskFull(
            f"{path}: the disk quota is full, though the disk may have room ({what}); remove some files "
            "that count against it there (quota -s: this user's; a btrfs qgroup or an XFS project: "
            f"the folder's) or have it raised, and try again ({error})"
        )
    room = _room(path)
    left = f", {_kib(room)} free" if room < FULL_BELOW else ""
    fix = f"free some space there (at least {_kib(FULL_BELOW)}) and try again"
    if not left and _no_file_left(path):  # room for bytes, none for another file
        left, fix = (
            ", no file can be made there (every inode is used: df -i)",
            "remove some files there and try again",
        )
    return DiskFull(f"{path}: the disk is full{left} ({what}); {fix} ({error})")


def _room(path: Path) -> int:
    """Bytes this process may still write on the database's disk (root may use the blocks kept for it)."""
    try:
        disk = os.statvfs(os.path.dirname(os.path.realpath(path)))
    except OSError:
        return FULL_BELOW  # not known: not said full
    return (disk.f_bfree if os.geteuid() == 0 else disk.f_bavail) * disk.f_frsize


def _no_file_left(path: Path) -> bool:
    """Whether no new file can be made on the database's writable disk, every inode used (many small
    files), whatever room is left for bytes. A file system with no such count (btrfs) says 0 of 0;
    a read-only one, or a file this process may not write, is said as read-only instead."""
    try:
        disk = os.statvfs(os.path.dirname(os.path.realpath(path)))
    except OSError:
        return False
    free = disk.f_ffree if os.geteuid() == 0 else disk.f_favail
    writable = not disk.f_flag & os.ST_RDONLY and (not os.path.exists(path) or may_write(path))
    return disk.f_files > 0 and free == 0 and writable


def _over_quota(path: Path) -> str:
    """The error of a disk quota used up (EDQUOT) on the database's folder, or '': SQLite says such
    a write's "disk I/O error", or "unable to open" its -wal, without the errno, so a small file is
    made there and written (a quota may count the files, or their bytes), and removed."""
    folder = os.path.dirname(os.path.realpath(path))
    probe = ""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".quota")
        try:
            os.write(fd, bytes(QUOTA_PROBE))
        finally:
            os.close(fd)
    except OSError as e:
        return e.strerror or str(e) if e.errno == errno.EDQUOT else ""
    finally:
        if probe:
            with contextlib.suppress(OSError):
                os.unlink(probe)
    return ""


def owned(found: os.stat_result) -> str:
    """Whose a file is and its mode, as an error says it: "root's, mode 0644"."""
    try:
        owner = pwd.getpwuid(found.st_uid).pw_name
    except KeyError:
        owner = f"user {found.st_uid}"
    return f"{owner}'s, mode {found.st_mode & 0o777:04o}"


def write_access(found: os.stat_result, names: str, them: bool = False, lacking: str | None = None) -> str:
    """How to let this account write a file it may not (``found``, its stat; ``names``, it and
    any like it, each quoted for the shell: :func:`~digest.shell_text.shell_word`): its own, the
    owner's write bit; of a group it is in, the group's; else, to be given to such a group first,
    and the group's write bit to those without it (``lacking``)."""
    it, its = ("them", "their") if them else ("it", "its")
    if found.st_uid == os.geteuid():
        return f"give {it} write access (`chmod u+w {names}`)"
    try:
        group = grp.getgrgid(found.st_gid).gr_name
    except KeyError:
        group = f"group {found.st_gid}"
    if found.st_gid == os.getegid() or found.st_gid in os.getgroups():
        return f"give {its} group write access (`chmod g+w {names}`; {its} group, {group}, is this account's)"
    if lacking is None:
        lacking = "" if found.st_mode & stat.S_IWGRP else names
    given = f"{its} group, {group}, is not one this account is in: give {it} to one (`chgrp GROUP {names}`, "
    if not lacking:  # its group may write it already: only the group is missing
        mode = "their modes let their" if them else "its mode lets its"
        return given + f"a group this account is in; {mode} group write already)"
    return given + f"a group this account is in) and write access for it (`chmod g+w {lacking}`)"


def _others_wal(path: Path) -> tuple[str, str] | None:
    """Why a database this process may write, in a folder it may write, is refused a write: its
    -wal or -shm file is another account's, which this one may not write (left by a command that
    account ran, one that only reads: SQLite makes them with the database's mode, 0644 under umask
    022, and a reader cannot remove them), with the cure; None: not that."""
    real = Path(os.path.realpath(path))
    if not may_write(real) or _read_only_folder(real):
        return None
    for suffix in ("-wal", "-shm"):
        beside = real.with_name(real.name + suffix)
        try:
            found = os.stat(beside)
        except OSError:
            continue
        if may_write(beside):
            continue
        wal = real.with_name(real.name + "-wal")
        empty = not wal.exists() or wal.stat().st_size == 0
        why = (
            f"{beside.name} beside it is {owned(found)}, which this account may not write (left by a "
            "command another account ran on it)"
        )
        fix = write_access(found, f"{shell_word(str(wal))} {shell_word(f'{real}-shm')}", them=True)
        if empty:  # made by a reader: it holds nothing
            fix += ", or remove both (the -wal is empty) while no digest command runs on this database"
        return why, fix
    return None


def unwritable(path: Path) -> tuple[str, str]:
    """Why this account may not write the SQLite database ``path``, and the cure, by case (as the
    lock's and the -wal's are said): its disk mounted read-only; the file, or its folder (where
    SQLite makes -wal and -shm files), named with its owner and mode."""
    real = Path(os.path.realpath(path))
    mounted = "the database is read-only: its disk is mounted read-only", "make it writable (remount it)"
    for where in (real, real.parent):  # the file alone may be (a bind mount: a container's volume)
        with contextlib.suppress(OSError):
            if os.statvfs(where).f_flag & os.ST_RDONLY:
                return mounted
    found = {}
    for what, where, mode in (
        ("the database", real, os.W_OK),
        ("its folder", real.parent, os.W_OK | os.X_OK),
    ):
        with contextlib.suppress(OSError):
            if not may_write(where, mode):
                found[where] = (what, os.stat(where))
    if not found:  # opened read-only, or not known why
        why = "the database is read-only (or its folder is: SQLite writes -wal and -shm files beside it)"
        return why, "make it writable"
    why = (
        ", and ".join(f"{what} is {owned(st)}" for what, st in found.values())
        + ", which this account may not write"
    )
    if real.parent in found:
        why += " (SQLite makes -wal and -shm files beside the database)"
    stats = [st for _, st in found.values()]
    if len({(st.st_uid, st.st_gid) for st in stats}) == 1:  # one owner and group: one cure for both
        lacking = " ".join(
            shell_word(str(w)) for w, (_, st) in reversed(found.items()) if not st.st_mode & stat.S_IWGRP
        )
        names = " ".join(shell_word(str(w)) for w in reversed(found))  # pasted as they are
        return why, write_access(stats[0], names, len(found) > 1, lacking)
    return why, "; ".join(
        f"{what}: {write_access(st, shell_word(str(where)))}" for where, (what, st) in found.items()
    )


def _kib(size: int) -> str:
    return f"{size // 1024} KiB" if size < FULL_BELOW else f"{size // FULL_BELOW} MiB"


def _read_only_folder(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY) or not may_write(path.parent)
    except OSError:
        return False


def takes_no_writes(database: Path | str) -> bool:
    """An SQLite database this process cannot write: its file or its folder read-only (a
    read-only disk or mount, modes that forbid this user), where only a read-only open reads it
    (SQLite's -wal and -shm files cannot be made beside it). PostgreSQL: False (a role that may
    only read opens it as any other does; the server says so of a write)."""
    if is_postgres(database) or str(database) == ":memory:":
        return False
    path = Path(database)
    return path.exists() and (_read_only_folder(path) or not may_write(path))


def may_write(path: Path | str, mode: int = os.W_OK) -> bool:
    """Whether this process may write ``path`` (or whatever ``mode`` asks: with os.X_OK, move
    files in and out of a folder), judged as its opens are: by its effective ids (os.access alone
    asks for the real ones: a process run as root with another effective account was told it may
    write what its opens are refused), where the platform can ask so."""
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def may_read(path: Path | str, mode: int = os.R_OK) -> bool:
    """Whether this process may read ``path`` (or list and search a folder: os.R_OK | os.X_OK),
    by its effective ids, as :func:`may_write`."""
    return may_write(path, mode)


def open_readonly(
    path: Path, timeout: float, factory: type[sqlite3.Connection] = sqlite3.Connection
) -> sqlite3.Connection:
    """Read-only (a ``factory`` connection); on a read-only disk a WAL database may lack its -shm
    file: then read it as immutable (nobody can be writing it there)."""
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(
            f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=timeout, factory=factory
        )
        db.execute("PRAGMA user_version").fetchone()
        return db
    except sqlite3.OperationalError as e:
        if "unable to open" not in str(e) and "readonly" not in str(e):
            raise
    return sqlite3.connect(
        f"{uri}?immutable=1", uri=True, isolation_level=None, timeout=timeout, factory=factory
    )
