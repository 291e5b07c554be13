"""Files the project writes: atomic replacement, and the removal of what a killed writer left.

``write_atomic``: readers see the old content or the new one, never half of either.
Locks on files are :mod:`digest.filelock`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import glob
import logging
import os
import re
import secrets
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)

LEFT_FOR = 3600  # seconds: a temporary file of write_atomic's this old is a killed writer's

# What to do about a folder this account cannot read (a profiles folder, a templates folder).
LET_READ_FOLDER = "let it read the folder and its files (its mode or group)"


def disk_fix(error: OSError, place: str) -> str:
    """What to do when ``place`` ("the profiles folder", "it": the inbox) could not be written for
    ``error``: what fits its cause (its permissions cure none but EACCES and EPERM)."""
    fixes = {
        errno.ENOSPC: "free some space on its disk",
        errno.EDQUOT: "raise this account's quota on its disk (or free some of its space there)",
        errno.EROFS: "its disk is mounted read-only: remount it read-write",
        errno.EACCES: f"make {place} writable for this account",
        errno.EPERM: f"make {place} writable for this account",
        errno.EIO: "the disk failed to write it (an I/O error): check the disk and the system's log",
    }
    return fixes.get(error.errno or 0, f"look at {place} and its disk (the system's log may say more)")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 paper``, ``2 papers``: a count as the messages say it."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def lasted(span: dt.timedelta) -> str:
    """'40 s', '7 min', '2 h 05 min', '1 day 3 h': how long, as an operator reads it."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60:02d} min"
    return f"{counted(days, 'day')} {hours % 24} h"


def printable(text: object) -> str:
    """``text`` with every control or bidi character escaped (a newline as ``\\n``): for log
    lines and terminals, so a file named "x\\nINFO forged" cannot forge a line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in str(text))


def _linked(tmp: str | Path, path: Path) -> bool:
    """``tmp`` put in place as ``path`` by a hard link, which fails if ``path`` exists; False if
    the filesystem makes none (FAT, some network and FUSE filesystems)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK):
            return False
        raise
    Path(tmp).unlink(missing_ok=True)  # a reader of the folder may have removed it: see remove_stale
    return True


_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # mkstemp's, as remove_leftovers knows them


def _made_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file ``.<name>.<8 characters>.tmp`` beside ``path``, made with the mode
    any program's new file gets (0666 less the umask, or the folder's default ACL), not mkstemp's
    0600: a file written anew has the mode an editor's would, so a service account or a backup
    reading the folder reads it as it reads the user's own files."""
    for _ in range(100):
        name = "".join(secrets.choice(_NAME_CHARS) for _ in range(8))
        tmp = path.with_name(f".{path.name}.{name}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def spare_beside(path: Path) -> Path:
    """An empty temporary file beside ``path`` (:func:`_made_beside`), for :func:`write_atomic`'s
    ``tmp``: made first, it says a folder this process may not write (OSError) before anything
    that goes with the write is done. The caller removes it if it is not written."""
    fd, tmp = _made_beside(path)
    os.close(fd)
    return tmp


def _made_anew(tmp: Path) -> int:
    """``tmp`` made anew, with the mode any program's new file gets: a left-over of a killed run
    there is removed first, not written again in place, as it keeps its own mode and owner (an
    earlier release's was 0600, mkstemp's; another user's may not be writable by this one)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(tmp, flags, 0o666)
    except FileExistsError:
        Path(tmp).unlink(missing_ok=True)
        return os.open(tmp, flags, 0o666)


def _keep_owner_and_mode(tmp: str | Path, was: os.stat_result, owner: bool = True) -> None:
    """``tmp``, about to replace a file that was ``was``, given that file's owner and group (as far
    as this process may: root keeps both, a user a group they are in) and then its mode (a chown
    clears the set-id bits): a profile the user made ``root:digest 0640`` for a daemon run as a
    service account in group digest stays readable by it after `digest profile add` or a save."""
    now = os.stat(tmp)
    uid = was.st_uid if owner and was.st_uid != now.st_uid else -1
    gid = was.st_gid if owner and was.st_gid != now.st_gid else -1
    for ids in ((uid, gid), (-1, gid)):
        if ids == (-1, -1):
            break
        try:
            os.chown(tmp, *ids)
            break
        except PermissionError:  # not root: the owner stays this process's; the group if allowed
            continue
    os.chmod(tmp, was.st_mode & 0o7777)


ACCESS_ACL = "system.posix_acl_access"  # a file's ACL entries (setfacl -m u:NAME:r), as Linux keeps them
_NO_ACL = (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS)


def _keep_acl(tmp: str | Path, path: Path) -> None:
    """``tmp`` given the access ACL (setfacl) of ``path`` it replaces, after the mode: a file with
    none keeps none, not the folder's default ACL's entries. None kept here (FAT): passed over."""
    try:
        try:
            os.setxattr(tmp, ACCESS_ACL, os.getxattr(path, ACCESS_ACL))
        except OSError as e:
            if e.errno != errno.ENODATA:
                raise
            os.removexattr(tmp, ACCESS_ACL)  # ENODATA again where it has none either: quiet
    except (FileNotFoundError, NotADirectoryError, AttributeError):
        return  # no file to follow (or no xattr calls here)
    except OSError as e:  # said, not the edit refused: its content matters more than who else reads it
        if e.errno not in _NO_ACL:
            log.warning("%s: its ACL entries could not be carried over to the file written anew: %s", path, e)


def write_atomic(
    path: Path,
    content: str | bytes,
    *,
    sync: bool = True,
    tmp: Path | None = None,
    whole: bool = False,
    new: bool = False,
    mine: bool = False,
) -> None:
    """Temp file in the same folder, fsync, rename over the target (then fsync the folder).

    ``sync=False`` skips both fsyncs: still all-or-nothing against a killed process, but a
    power loss may lose the file (for many small files whose loss is recoverable).
    ``tmp``: a temporary name in the (existing) folder that only this caller writes, made anew
    if a killed run left it; it spares the search for a free name and the folder check per file
    (the file transport writes one file per message). ``whole``: the file's modification
    time set a nanosecond back (a second on a filesystem of whole seconds), so that its change
    time comes after it: a reader of the folder tells it from a file an editor is still writing in
    place, whose two times are one (digest.profiles.watch: a profile file). ``new``: the file is
    made, never written over: FileExistsError if one was made meanwhile (by hand, not under the
    caller's lock), where the filesystem has hard links (elsewhere it is replaced, as without).
    A file written over keeps its mode, its access ACL (setfacl) where the filesystem keeps them,
    and its owner and group where this process may give them (root; a user, a group they are in);
    one made anew gets the mode the umask (or the folder's default ACL) gives any program's new
    file, as an editor's would: 0644 under umask 022.
    ``mine``: made this process's whatever the owner of the file it replaces (one it may not
    write: another user's spare beside the database, made again to be written by this one)."""
    if tmp is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _made_beside(path)
    else:
        fd = _made_anew(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
            f.flush()
            if whole:
                st = os.fstat(f.fileno())
                os.utime(f.fileno(), ns=(st.st_atime_ns, st.st_mtime_ns - 1))
            if sync:
                os.fsync(f.fileno())
        # written anew with the owner, group and mode it had (asked once: another process may
        # take it away meanwhile, as a halted pass renames the spare beside the database)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            _keep_owner_and_mode(tmp, path.stat(), owner=not mine)
            _keep_acl(tmp, path)
        if not (new and _linked(tmp, path)):
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if not sync:
        return
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def remove_leftovers(path: Path, *, older_than: float = LEFT_FOR, now: float | None = None) -> None:
    """Remove the temporary files :func:`write_atomic` made for ``path`` that a process killed
    between its write and its rename left (a SIGKILL, the OOM killer): only names of that shape,
    ``.<name>.<mkstemp's 8 characters>.tmp``, never a user's file, and only those unchanged for
    ``older_than`` seconds before ``now`` (the clock files are dated by; None: the time now), so
    that a process writing ``path`` at this moment (two workers sharing a folder) keeps its own."""
    ours = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    lefts = [
        left for left in path.parent.glob(f".{glob.escape(path.name)}.*.tmp") if ours.fullmatch(left.name)
    ]
    remove_stale(lefts, older_than=older_than, now=now)


def remove_stale(lefts: list[Path], *, older_than: float = LEFT_FOR, now: float | None = None) -> None:
    """Remove those of ``lefts`` (temporary files of :func:`write_atomic`, by their names' shape)
    that a killed process left: a regular file unchanged for ``older_than`` seconds before ``now``,
    or one already put in place by a hard link (``new=True``: killed between its link and its
    unlink, its content the file's own, a second name of it for ever), whatever its age: its writer,
    if still running, unlinks it next and finds it gone. Best effort, as a file gone meanwhile is."""
    now = time.time() if now is None else now
    for left in lefts:
        with contextlib.suppress(OSError):  # best effort: gone meanwhile, or not ours to remove
            found = left.lstat()
            if stat.S_ISREG(found.st_mode) and (found.st_nlink > 1 or found.st_mtime < now - older_than):
                left.unlink()


def made_as_umask_gives(path: Path) -> None:
    """An SQLite database not made yet, made empty with the mode the umask gives any new file
    (0664 under umask 002), as SQLite would make it 0644 whatever the umask: in a folder a group
    shares, the group's accounts write it (and its -wal and -shm, which SQLite makes with its
    mode). An existing file is left as it is (never narrowed); one that cannot be made is left
    to SQLite to make, or to refuse with its own error."""
    with contextlib.suppress(OSError):  # made meanwhile by another process; a folder not writable
        os.close(os.open(os.path.realpath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
