"""The messages a server accepted, noted in a file beside the database before they are recorded in it.

With an SMTP server and an SQLite database (over one connection or several), a delivery pass
does not commit once per message: each connection appends one line to this pass's journal
(``digest.db.sent-<pid>-<token>``) for each message the server accepted, before it takes its
next message, and the calling thread records the results in the database in batches, in the
transactions that store the next messages (digest.deliver.delivery). An appended line is in
the system's page cache once ``os.write`` returns: it survives a killed process, as a commit
in SQLite's write-ahead log with ``synchronous = NORMAL`` does (neither survives a power cut
before the disk is written). So a crash at any instant still leaves at most the one message in
flight per connection unnoted: every later pass first records as sent what the journals of
passes that ended without recording say the server accepted (:func:`replay`), and only then
sends anything.

A pass holds an exclusive ``flock`` on its journal while it runs: :func:`replay` leaves a
locked journal alone (its pass is running and records it itself) and removes each journal it
recorded. A pass that recorded everything removes its own journal at its end.

Not with PostgreSQL: its workers may run on other machines, which could not read this file
(each of them commits per message: digest.deliver.lines).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
from pathlib import Path

from digest.db import SQLITE, is_postgres, real_file, sidecar
from digest.deliver.accepted import mark_accepted
from digest.deliver.outbox import Outbox
from digest.deliver.unrecorded import Accepted, from_note, noted
from digest.files import counted
from digest.store import Store

log = logging.getLogger(__name__)

SUFFIX = ".sent-"  # digest.db.sent-<pid>-<token>


class Journal:
    """This pass's journal: created (and locked) by :meth:`open`, appended to by :meth:`note`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @classmethod
    def open(cls, store: Store) -> Journal | None:
        """A new journal beside ``store``'s database, locked by this process; None where there
        is none (PostgreSQL, a read-only store) or it cannot be made (the pass then commits
        once per message)."""
        if store.dialect != SQLITE or store.readonly:
            return None
        path = sidecar(real_file(store.path), f"{SUFFIX}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        except OSError as e:
            log.info("%s: no journal (%s): one commit per message", path, e.strerror or e)
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            path.unlink(missing_ok=True)
            log.info("%s: no journal (%s): one commit per message", path, e.strerror or e)
            return None
        return cls(path, fd)

    def note(self, accepted: Accepted) -> None:
        """One accepted message, appended in one write (raises OSError: a full disk)."""
        line = json.dumps(noted(accepted), ensure_ascii=True)
        data = ("\n" + line).encode("ascii")  # a line cut by a failed write ends where the next begins
        if os.write(self.fd, data) != len(data):
            raise OSError(f"{self.path}: short write")

    def close(self, *, remove: bool) -> None:
        """Close it; ``remove``: everything it notes is recorded in the database."""
        if remove:
            try:
                self.path.unlink(missing_ok=True)
            except OSError as e:
                log.error("%s: cannot remove: %s", self.path, e)
        os.close(self.fd)  # the lock goes with it


def read(path: Path) -> list[Accepted]:
    """A journal's entries; a line that is not whole (the write a crash cut) is left out."""
    found = []
    for number, line in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
        if not line:
            continue
        try:
            found.append(from_note(json.loads(line)))
        except (AttributeError, KeyError, TypeError, ValueError):
            log.warning("%s, line %d: not a whole entry (left out)", path, number)
    return found


def journals(database: Path | str) -> list[Path]:
    """The journals beside an SQLite database (of running passes too); none for PostgreSQL.
    Beside the file itself (:func:`digest.db.real_file`), so that a pass through a symbolic link
    and the next one through the file's own name (two configs) find each other's; and beside the
    name as given, where earlier releases wrote them through a symbolic link. Each once, by its
    own path (a relative name, or a linked folder, lists the same journal a second time)."""
    if is_postgres(database):
        return []
    found: set[Path] = set()
    for path in {Path(real_file(database)), Path(database)}:
        prefix = path.name + SUFFIX
        try:
            found |= {Path(os.path.realpath(p)) for p in path.parent.iterdir() if p.name.startswith(prefix)}
        except OSError:
            continue
    return sorted(found)


def replay(outbox: Outbox) -> int:
    """Record as sent what the journals of passes that ended without recording it say the
    server accepted (those still queued), and remove those journals; the number recorded.
    Raises DeliveryHalted (digest.deliver.unrecorded) when that cannot be written: nothing may
    be sent until it is."""
    store = outbox.store
    if store.dialect != SQLITE or store.readonly:
        return 0
    recorded = 0
    for path in journals(store.path):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # removed meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its pass is running, and records it itself
            recorded += _record(outbox, path)
            try:
                path.unlink(missing_ok=True)
            except OSError as e:  # recorded: reading it again later records nothing twice
                log.error("%s: cannot remove: %s", path, e)
        finally:
            os.close(fd)
    return recorded


def _record(outbox: Outbox, path: Path) -> int:
    recorded = len(mark_accepted(outbox, read(path), f" (noted in {path})")[0])
    if recorded:
        log.warning(
            "recorded %s the server accepted before a pass ended (%s)", counted(recorded, "digest"), path.name
        )
    return recorded
