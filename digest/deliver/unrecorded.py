"""Messages the server accepted whose delivery could not be written to the database.

When recording fails (the disk is full, the database is read-only), the message is still
``queued`` in the outbox, so the next pass would send it again, and again at every pass. So
instead delivery stops: what the server accepted is noted here, in a small file beside the
database (``digest.db.unrecorded``) and in memory (for when not even that file can be written),
and every later pass first records those messages as sent. Until that works, nothing is sent.

The note is only ever beside the database, where every process using it looks (the temporary
folder is not such a place: systemd's PrivateTmp, or another TMPDIR, gives each process its
own). On a disk that is full by then, it is written into a spare file each pass keeps there
(``digest.db.unrecorded.spare``, :data:`SPARE_BYTES`), in place, and renamed; a pass that
cannot keep that spare (a folder it may not write in, a disk already full) sends nothing
(:meth:`Unrecorded.ready`). Notes an earlier release left in the temporary folder are read. The
halt itself, and what it says: :mod:`digest.deliver.halt`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.db import is_postgres, real_file, sidecar
from digest.dbfaults import DiskFull
from digest.errors import DeliveryError, DigestError
from digest.filelock import FileLock
from digest.files import counted, remove_leftovers, write_atomic

log = logging.getLogger(__name__)


SPARE_BYTES = 256 * 1024  # some 1,500 messages' entries


class DeliveryHalted(DeliveryError):
    """The server accepted messages whose delivery cannot be recorded: delivery is stopped."""


@dataclass(frozen=True)
class Accepted:
    outbox_id: int
    user: str
    recipient: str
    reply: str
    at: dt.datetime
    # the message the server accepted, as the outbox has it: '' in a note an earlier release wrote
    message_id: str = ""


def noted(a: Accepted) -> dict:
    """One entry of the note, or of a pass's journal (digest.deliver.journal)."""
    return {
        "outbox_id": a.outbox_id, "user": a.user, "recipient": a.recipient, "message_id": a.message_id,
        "reply": a.reply, "at": a.at.isoformat(),
    }  # fmt: skip


def from_note(item: dict) -> Accepted:
    """An entry of the note or a journal (KeyError, TypeError, ValueError: not a whole one); one
    an earlier release wrote has no Message-ID."""
    return Accepted(
        int(item["outbox_id"]), str(item["user"]), str(item["recipient"]), str(item["reply"]),
        dt.datetime.fromisoformat(item["at"]), str(item.get("message_id") or ""),
    )  # fmt: skip


class Unrecorded:
    """The note of accepted-but-unrecorded messages: a file beside the database, and memory."""

    def __init__(self, database: Path) -> None:
        # beside the file itself, however a config names it (as digest.deliver.journal); read
        # beside the name as given too, where a release before wrote it through a symbolic link
        self.path, named = sidecar(real_file(database), ".unrecorded"), sidecar(database, ".unrecorded")
        self.spare = self.path.with_name(self.path.name + ".spare")
        # PostgreSQL's workers sharing the config's folder take turns at the note on this (_turn)
        self.turns = self.path.with_name(self.path.name + ".lock")
        self.kept = str(database) != ":memory:"  # a database of this process alone: no files
        # PostgreSQL: these files are in the config's folder, on no disk the database fills
        self.shared, self.warned = is_postgres(database), False
        # the temporary folder: where an earlier release wrote it when it could not beside
        self.places = tuple(dict.fromkeys((self.path, named, _fallback(self.path), _fallback(named))))
        self.memory: dict[int, Accepted] = {}
        # a daemon's (`digest run`): this memory outlives a halted pass, read by its next one; a
        # command's (`digest send`, `run --once`) ends with it
        self.lasting = False
        self.ended: Exception | None = None  # this pass's: the server's reason for ending its connection

    def ready(self) -> None:
        """Before a pass sends anything: the spare kept beside the database, so that the note
        of what the server accepts can be written there even on a disk full by then; else (on SQLite)
        DeliveryError, saying why (the note anywhere else is not seen by the other processes).
        A spare this process cannot write (another user's: root ran `digest send` once) is made
        again, as a missing one is: it would be no room when the disk is full. The temporary
        files of the spare or the note that a process killed while writing them left (256 KiB
        each, for ever) are removed, once an hour old (another may be writing its own now). On
        PostgreSQL the file the workers take turns on (:meth:`_turn`) is made here too, while
        there is room: at a halt the folder may have none left for a new file."""
        self.ended = None
        if not self.kept:
            return
        if self.shared and not self.turns.exists():
            with contextlib.suppress(OSError):  # no room, or not writable: the spare's check says so
                os.close(os.open(self.turns, os.O_RDONLY | os.O_CREAT, 0o644))
        for written in (self.spare, self.path):  # what a writer killed before its rename left
            remove_leftovers(written)
        unwritable: OSError | None = None
        try:
            if self.spare.stat().st_size >= SPARE_BYTES:
                os.close(os.open(self.spare, os.O_WRONLY))  # as add() opens it: its size is not enough
                return
        except FileNotFoundError:
            pass
        except OSError as e:
            unwritable = e
        try:
            # not zeros: a disk may store those as nothing; one it could not write made its own
            write_atomic(self.spare, os.urandom(SPARE_BYTES), mine=unwritable is not None)
        except OSError as e:
            self._refuse(unwritable or e)  # the spare's own fault first: the rename's is no reason

    def _refuse(self, error: OSError) -> None:
        """On SQLite, DeliveryError. On PostgreSQL a warning (once), and the pass goes on: the room
        is for a full disk under the database, which is another machine's there, and a worker there
        sent before with its config's folder read-only (/etc/digest; ProtectSystem=strict)."""
        if self.shared:
            if not self.warned:
                log.warning(
                    "%s: cannot be kept beside the database (%s): the note of digests the server "
                    "accepts but the database cannot record (%s) would be in memory only, for this "
                    "process; make %s writable", self.spare, error.strerror or error, self.path.name,
                    os.path.abspath(self.path.parent),  # the config's folder: not "." when relative
                )  # fmt: skip
                self.warned = True
            return
        raise DeliveryError(
            f"{self.spare}: cannot keep this file beside the database ({error.strerror or error}): it "
            "holds the room for the note of digests the server accepts but the database cannot record "
            f"({self.path.name}), which every process using the database reads so as not to send them "
            "again (the temporary folder is not seen by them all: systemd's PrivateTmp, another TMPDIR); "
            f"nothing is sent until it can be written: make {self.path.parent} writable, or free space"
        ) from None

    def entries(self) -> list[Accepted]:
        found = dict(self.memory)
        raw: list = []
        for path in self.places:
            try:
                items = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as e:
                log.error("%s: cannot read the note of unrecorded messages: %s", path, e)
                continue
            raw += items if isinstance(items, list) else []
        for item in raw:
            try:
                a = from_note(item)
            except (AttributeError, KeyError, TypeError, ValueError):
                continue
            found.setdefault(a.outbox_id, a)
        return [found[k] for k in sorted(found)]

    def add(self, accepted: list[Accepted]) -> bool:
        """Remember them; False if the file could not be written (memory only, for this process)."""
        for a in accepted:
            self.memory[a.outbox_id] = a
        with self._turn():
            return self._write(self.entries())

    def _write(self, accepted: list[Accepted]) -> bool:
        items = [noted(a) for a in accepted]
        text = json.dumps(items, indent=1) + "\n"
        try:
            write_atomic(self.path, text)
            return True
        except OSError as e:  # said below if the spare's room cannot take it either: not lost yet
            first = e
        data = text.encode()
        try:  # the spare's room, written over in place and renamed: no new space needed
            if len(data) > self.spare.stat().st_size:
                raise OSError(f"the note ({len(data)} bytes) is larger than the spare")
            fd = os.open(self.spare, os.O_WRONLY)
            try:
                os.pwrite(fd, data, 0)
                os.ftruncate(fd, len(data))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(self.spare, self.path)
            log.info("%s: written in the room kept for it (%s): %s", self.path, self.spare.name, first)
            return True
        except OSError as e:
            log.critical(
                "%s: cannot write the note of unrecorded messages (%s), nor in the room kept for it, %s (%s)",
                self.path, first, self.spare, e,
            )  # fmt: skip
        return False

    def clear(self, recorded: list[Accepted] | None = None) -> None:
        """Forget ``recorded`` (recorded as sent since they were read; None: all): the note is
        removed, or written again with what another worker noted meanwhile."""
        with self._turn():
            done = {a.outbox_id for a in (self.entries() if recorded is None else recorded)}
            for outbox_id in done:
                self.memory.pop(outbox_id, None)
            left = [a for a in self.entries() if a.outbox_id not in done]
            for path in self.places if not left else self.places[1:]:
                try:
                    path.unlink(missing_ok=True)
                except OSError as e:
                    log.error("%s: cannot remove: %s", path, e)
            if left:
                self._write(left)

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """On PostgreSQL, the workers sharing the config's folder (NFS: several machines) take
        turns at the note (a lock file beside it): each writes it whole from what it reads there,
        so of two at once (a failover ends every worker's connection at once) only the last one's
        stayed, both saying it was noted. On SQLite one pass sends at a time (the run lock).
        The lock file is made by every pass (:meth:`ready`); one that cannot be made now (no pass
        kept room here before: a new file on a disk with no inode left) is said, and the note is
        written without a turn."""
        keeps = "two workers' writes of this note"
        lock = FileLock(self.turns, others=True, keeps=keeps) if self.shared and self.kept else None
        try:
            if lock is not None:
                lock.acquire()
        except DigestError as e:  # a folder it cannot write in: no note is written there either (said then)
            log.warning("%s; the workers sharing this folder do not take turns at the note now", e)
            lock = None
        try:
            yield
        finally:
            if lock is not None:
                lock.release()


def _fallback(path: Path) -> Path:
    """Where an earlier release wrote the note when it could not beside the database: the
    temporary folder (read, never written)."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"digest-{name}.unrecorded"


def who_of(accepted: list[Accepted]) -> str:
    return ", ".join(f"{a.user} <{a.recipient}>" for a in accepted)


def still_unrecorded(error: Exception, database: Path | str) -> str:
    """What a command or a pass that cannot use the database for a full disk (DiskFull: it may not
    even open it) adds to its error: the digests the server accepted that are still not recorded,
    as the note beside the database names them (`digest status`, which would list them, cannot
    open the database either). '' for any other error, or none noted."""
    if not isinstance(error, DiskFull):
        return ""
    unrecorded = Unrecorded(Path(database))
    accepted = unrecorded.entries()
    if not accepted:
        return ""
    return (
        f". Delivery is stopped: the server accepted {counted(len(accepted), 'digest')} that the "
        f"database could not record ({who_of(accepted)}; noted in {unrecorded.path}); the first pass "
        f"that can write the database records {'it' if len(accepted) == 1 else 'them'} as sent, and "
        "nothing is sent before"
    )
