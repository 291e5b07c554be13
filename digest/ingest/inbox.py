"""The inbox folder: which dumps are ready to read, and where they go once read.

A file is *ready* once it has not changed (size and modification time) for ``settle``
seconds, so a dump still being written is never read half-way. Files whose names mark them as
in progress (hidden ``.name``, ``*.tmp``, ``*.part``, ``*.partial``, ``*~``) are left alone:
writers that follow the write-then-rename convention are picked up the moment they rename.
Read dumps move to ``processed/``; unreadable ones to ``failed/`` with ``NAME.error.txt``
beside them saying why. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digest.dbfaults import may_write
from digest.errors import DigestError
from digest.files import printable, write_atomic

log = logging.getLogger(__name__)

# A modification time further ahead of the wall clock than this is a copy's, not a writer's (a
# zip's local times from a zone east of here, a machine whose clock is ahead); within it, a file
# server's clock a little ahead, and a writer at work, are waited for as usual.
FUTURE_SLACK = dt.timedelta(minutes=10)
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", "~", ".swp")
PROCESSED, FAILED = "processed", "failed"


class InboxError(DigestError):
    """The inbox folder cannot be used (gone, not a folder)."""


class MoveError(InboxError):
    """A dump that was read could not be moved out of the inbox (or its reason not written):
    a read-only or full disk. It stays where it is and is read again next time, which stores
    nothing twice; the caller reports it and goes on."""


@dataclass(frozen=True)
class Waiting:
    """A dump changed within the settle time, as seen at ``seen``."""

    path: Path
    size: int
    mtime: dt.datetime
    seen: dt.datetime
    settle: dt.timedelta

    @property
    def ago(self) -> int:
        """How many seconds before ``seen`` it last changed (whole; 0 for a time ahead)."""
        return max(0, round((self.seen - self.mtime).total_seconds()))

    def said(self, then: str = "waiting") -> str:
        """What is waited for, as `digest ingest`, `run --once` and the daemon say it: when it last
        changed, and for how long it must stay unchanged (true whether the copy is done or the
        file still grows); ``then``: what is done meanwhile. The name escaped (printable): a line
        break in it cannot forge a line."""
        return printable(
            f"{self.path} was changed {self.ago} s ago; {then} until it has not changed for "
            f"{self.settle.total_seconds():g} s (scheduler.settle_seconds)"
        )


def candidates(inbox: Path) -> list[Path]:
    """Top-level files that could be dumps (not in progress, not our own sub-folders, nor a file
    named ``failed``: standing where failed/ goes, it could never be put aside there as a dump it
    is not, and would be refused again at every pass; the move's error names it, to move away)."""
    if not inbox.is_dir():
        raise InboxError(str(problem(inbox)))
    try:  # a folder this account may not read, a disk that fails: the inbox's, said as such
        return sorted(
            p
            for p in inbox.iterdir()
            if p.is_file()
            and p.name != FAILED
            and not p.name.startswith(".")
            and not p.name.endswith(IN_PROGRESS_SUFFIXES)
        )
    except OSError as e:
        raise InboxError(f"{e.filename or inbox}: cannot read the inbox: {e.strerror or e}") from e


def problem(inbox: Path, config_file: Path | None = None) -> str | None:
    """What keeps the inbox from working, said for `digest status`: gone, not a folder, or on a
    read-only disk (its dumps are read but cannot move out, so they are read at every pass).
    A folder that is not there is named in full, with the config file that names it."""
    if not inbox.is_dir():
        what = "is not a folder" if inbox.exists() else "does not exist"
        where = f"in {config_file}" if config_file else "in the config"
        return f"{inbox.absolute()}: the inbox folder {what}; create it or fix `inbox:` {where}"
    try:
        read_only = bool(os.statvfs(inbox).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if read_only or not may_write(inbox, os.W_OK | os.X_OK):  # by the effective ids, as the moves
        return f"{inbox}: read-only: the dumps read cannot move out of it to processed/ or failed/"
    return None


def split_ready(inbox: Path, now: dt.datetime, settle: dt.timedelta) -> tuple[list[Path], list[Waiting]]:
    """(ready, still settling): ready files have not changed for ``settle``."""
    ready, waiting = [], []
    for path in candidates(inbox):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue  # renamed away meanwhile
        except OSError as e:  # the inbox's, as :func:`candidates`'
            raise InboxError(f"{path}: cannot read the inbox: {e.strerror or e}") from e
        mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC)
        ahead = st.st_mtime - time.time() > FUTURE_SLACK.total_seconds()  # the wall clock: ``now`` may be old
        if settle <= dt.timedelta(0) or now - mtime >= settle or ahead:
            ready.append(path)
        else:
            waiting.append(Waiting(path, st.st_size, mtime, now, settle))
    return ready, waiting


def wait_settled(
    inbox: Path,
    settle: dt.timedelta,
    most: dt.timedelta,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], None] = time.sleep,
    waiting_for: Callable[[Waiting], None] = lambda w: None,
) -> None:
    """Wait until every dump of the inbox has been unchanged for ``settle``, or as long as
    ``most``: `digest ingest` run while a dump is still being copied in then reads it whole, as
    the daemon does, not half-way. ``waiting_for`` hears of each file once, when the wait for
    it begins; a file still changing at the end is left to :func:`split_ready`'s caller."""
    deadline = clock() + most
    heard: set[Path] = set()
    while True:
        now = clock()
        _, waiting = split_ready(inbox, now, settle)
        ready_at = min((w.mtime + settle for w in waiting), default=None)
        if ready_at is None or ready_at > deadline:
            return
        for w in waiting:
            if w.path not in heard:
                heard.add(w.path)
                waiting_for(w)
        sleep(max((ready_at - now).total_seconds(), 0.05))


def move_processed(path: Path, inbox: Path, name: str | None = None) -> Path | None:
    """Move ``path`` into ``processed/`` (as ``name``, default its own)."""
    return _move(path, inbox / PROCESSED, name)


def move_failed(path: Path, inbox: Path, reason: str, name: str | None = None) -> Path | None:
    """Move ``path`` into ``failed/`` (as ``name``), with ``reason`` in NAME.error.txt beside it
    (naming the file where it now is)."""
    target = _move(path, inbox / FAILED, name)
    if target is None:
        return None
    note = target.with_name(target.name + ".error.txt")
    try:
        write_atomic(note, moved_in(reason, path, target).rstrip() + "\n")
    except OSError as e:
        raise MoveError(f"{note}: cannot write why {target} was put aside: {e.strerror or e}") from None
    return target


def moved_in(reason: str, path: Path, target: Path) -> str:
    """``reason`` (a reader's "path:line: ...") naming the dump where it now is, ``target``;
    the rest of the text as it was."""
    return re.sub(rf"(?<![\w./-]){re.escape(str(path))}(?=:)", str(target), reason)


def failed_dumps(inbox: Path, newest: int | None = None) -> tuple[list[tuple[Path, str]], int]:
    """The dumps put aside in failed/ with their reasons, newest first (``newest``: at most so
    many), and how many there are in all (one look at the folder for both). A reason whose dump
    is no longer there (moved back into the inbox, fixed, or removed) is not one: left as it is."""
    folder = inbox / FAILED
    if not folder.is_dir():
        return [], 0
    notes = []
    names = {p.name for p in folder.iterdir()}
    for note in folder.iterdir():
        # a dump whose note could not be written (a full disk) is listed too: its own file stands for it
        bare = not note.name.endswith(".error.txt") and f"{note.name}.error.txt" not in names
        if not note.name.endswith(".error.txt") and not (bare and not note.name.startswith(".")):
            continue
        if note.name.endswith(".error.txt") and note.name[: -len(".error.txt")] not in names:
            continue  # its dump moved back into the inbox (to be read again) or away: nothing waits here
        try:
            if note.is_file():
                notes.append((note.stat().st_mtime_ns, note.name, note))
        except FileNotFoundError:
            continue  # taken away meanwhile
    notes.sort(reverse=True)
    out = []
    for _, _, note in notes[:newest]:
        if not note.name.endswith(".error.txt"):
            out.append((note, f"{note}: {unrecorded(note.name)}"))
            continue
        try:
            why = note.read_text(encoding="utf-8", errors="replace").strip()
        except FileNotFoundError:
            continue
        out.append((note.with_name(note.name[: -len(".error.txt")]), why))
    return out, len(notes)


def unrecorded(name: str) -> str:
    """What `digest status` says of a dump in failed/ with no note of why (digest.daemon.status)."""
    return (
        f"put aside, its reason not recorded ({name}.error.txt, which says it, could not be written "
        "beside it: a full disk?); move it back into the inbox to read it again: if it fails again, "
        "the reason is said then"
    )


def _move(path: Path, folder: Path, name: str | None = None) -> Path | None:
    """Move ``path`` into ``folder`` as ``name`` (never over another file); None if it is
    gone meanwhile; :class:`MoveError` if the disk refuses."""
    target = folder / (name or path.name)
    stem, suffix = target.stem, target.suffix
    n = 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        while target.exists():  # never overwrite an earlier dump of the same name
            target = folder / f"{stem}.{n}{suffix}"
            n += 1
        os.replace(path, target)
    except FileNotFoundError:
        log.warning("dump %s was renamed or removed while being read; nothing to move", printable(path))
        return None
    except OSError as e:
        why = e.strerror or str(e)
        if folder.is_symlink() and not folder.exists():
            why += " (a link to a folder that is not there: mount its disk, or remove the link)"
        elif folder.exists() and not folder.is_dir():  # a file, or a link to one
            why += " (a file, not a folder: move it away)"
        raise MoveError(
            f"{path}: cannot move it to {folder}: {why}; it stays in the inbox and is "
            "read again next time (nothing is stored twice)"
        ) from None
    log.info("moved %s to %s", printable(path), printable(target))
    return target
