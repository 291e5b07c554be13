"""Whether a reader's send time was missed, the one decision `digest run`'s passes say (and the
daemon logs) and `digest status` shows: a send time no pass served within the grace
(digest.slots.missed_slot) while papers wait for the reader. A day with nothing to send is not
missed: after downtime over a send time with no new listing (a weekend), nobody was.

The papers waiting are those the reader's next digest would hold now; a pass counts them only for
the readers whose send time passed unserved (a pass may look at 100,000 readers) and no pass said
before (digest.store_missed: each send time is said once, noted once said: :func:`note_said`),
`status` has them counted for every reader already (and names them until their next send time: a
state, not news)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from digest.config import Config
from digest.db import POSTGRESQL, DatabaseUrl, db_errors, is_bug, lock_key, real_file, shown, sidecar
from digest.dbfaults import explain, explain_pg
from digest.errors import DigestError, StoreError
from digest.filelock import FileLock
from digest.models import Profile
from digest.select.digests import Windows, next_digests
from digest.slots import Slot
from digest.store import Store
from digest.store_missed import note_said_missed, said_missed

Missed = tuple[str, dt.datetime, str]  # a send time found missed: user, send instant, zone
SAYING = lock_key("saying missed send times")  # held by the worker between its last check and its note
TURN_WAIT_MS = 10_000  # another worker's saying waited for at the most: then said (at least once)


def papers_waiting(
    store: Store,
    config: Config,
    profiles: Sequence[Profile],
    now: dt.datetime,
    windows: Windows | None = None,
) -> dict[str, int]:
    """How many papers each reader's next digest would hold now (with no reader, the new papers are
    indexed all the same: `digest status` indexes them, as any ranking does)."""
    digests = next_digests(store, profiles, now, config=config, windows=windows or Windows(store, config))
    return {d.profile.user: len(d.matches) for d in digests}


def missed_readers(
    found: Sequence[tuple[Profile, Slot]], waiting: Mapping[str, int]
) -> list[tuple[Profile, Slot]]:
    """Of the readers whose latest send time passed unserved (``found``: missed_slot's), those for
    whom papers wait (``waiting``: :func:`papers_waiting` of them, or more)."""
    return [(p, s) for p, s in found if waiting.get(p.user)]


def missed_to_say(
    store: Store, config: Config, found: Sequence[tuple[Profile, Slot]], now: dt.datetime, windows: Windows
) -> list[tuple[Profile, Slot]]:
    """Of ``found`` (missed_slot's), those a pass says now: papers wait for them, and no pass said
    this send time of theirs before (digest.store_missed; noted once said: :func:`note_said`).
    Those said before are not counted again: a `digest run --once` from cron every 5 minutes ranked
    each of them at every pass until their next send time, to say them again."""
    said = said_missed(store, [p.user for p, _ in found])
    found = [(p, s) for p, s in found if said.get(p.user) != s.at]
    if not found:
        return []
    return missed_readers(found, papers_waiting(store, config, [p for p, _ in found], now, windows))


def note_said(store: Store, missed: Sequence[tuple[str, dt.datetime, str]]) -> None:
    """The send times a pass found missed (its report's: user, send instant, zone), noted as said
    (digest.store_missed) once said: printed by `run --once` (click's echo flushes it: cron's mail
    has it), logged by the daemon. A pass killed before it says them (kill -9 as it delivers, the
    machine going down) leaves them to the next pass, which says them: said at least once, rather
    than noted and never said, as when the pass noted them as it found them (before delivering)."""
    note_said_missed(store, [(user, at) for user, at, _ in missed])


def not_said_since(
    store: Store, missed: Sequence[tuple[str, dt.datetime, str]]
) -> tuple[tuple[str, dt.datetime, str], ...]:
    """Of the send times a pass found missed (its report's: user, send instant, zone), those no pass
    noted as said since: a pass says them at its end, minutes after it found them (delivering), and
    another worker's pass in between may have said them (PostgreSQL: it said them, the pass ending
    does not say them again)."""
    said = said_missed(store, [user for user, _, _ in missed]) if missed else {}
    return tuple(m for m in missed if said.get(m[0]) != m[1])


@contextlib.contextmanager
def saying_once(database: str | DatabaseUrl, missed: Sequence[Missed]) -> Iterator[tuple[Missed, ...]]:
    """The send times a pass found missed that no pass noted as said since (:func:`not_said_since`),
    for the caller to say in its block; noted as said (:func:`note_said`) once it said them. On
    PostgreSQL the check, the saying and the note are one worker's at a time (an advisory lock
    held through them): two workers whose passes ended together both found them not yet noted and
    both said them. Another worker's turn is waited for TURN_WAIT_MS at the most (its output
    stuck: said anyway, at least once rather than a pass hung). On SQLite a lock file beside the
    database (``digest.db.saying.lock``) takes the advisory lock's place: the run lock keeps two
    passes apart, not a pass's saying from the next `run --once`'s pass. The database not opened,
    or failing as they are checked or noted (the connection lost), the block says them all, then
    the error is raised as a StoreError, in the words a command ending on it says (not noted: the
    next pass says them again); the block raising, they are not noted either."""
    if not missed:
        yield ()
        return
    try:
        store = Store(database)
    except StoreError:
        yield tuple(missed)
        raise
    try:
        with contextlib.closing(store), contextlib.ExitStack() as held:
            try:
                if store.dialect == POSTGRESQL:
                    held.enter_context(store.transaction())
                    _take_turn(store)
                else:  # (no write lock held as it says: the lock file alone)
                    held.enter_context(_file_turn(database))
                to_say = not_said_since(store, missed)
            except (StoreError, *db_errors()) as e:
                if is_bug(e):
                    raise
                yield tuple(missed)
                raise
            yield to_say
            note_said(store, to_say)
    except db_errors() as e:  # the connection lost (the server restarted) as it checked or noted them
        if is_bug(e):
            raise
        raise _failed(e, database) from e


def _failed(error: Exception, database: str | DatabaseUrl) -> StoreError:
    """A database error met checking or noting the send times, in the words a command ending on
    it gives it (digest.cli.common.handle_errors)."""
    if isinstance(error, sqlite3.Error):
        clear = explain(error, Path(database))
    else:
        clear = explain_pg(error, shown(database), str(database))
    return clear or StoreError(f"{shown(database)}: {error}")


def _take_turn(store: Store) -> None:
    """The lock of saying missed send times, waited for TURN_WAIT_MS at the most (in a savepoint:
    a wait that timed out leaves the transaction going on without it)."""
    try:
        with store.transaction():
            store.db.execute(f"SET LOCAL lock_timeout = {TURN_WAIT_MS}")
            store.db.execute("SELECT pg_advisory_xact_lock(?)", (SAYING,))
    except Exception as e:
        if getattr(e, "sqlstate", None) != "55P03":  # lock_not_available: said anyway
            raise


@contextlib.contextmanager
def _file_turn(database: str | DatabaseUrl) -> Iterator[None]:
    """On SQLite, the lock file of saying missed send times, waited for TURN_WAIT_MS at the most
    (then, or where the file cannot be had, said anyway), held through the block."""
    lock = FileLock(
        sidecar(real_file(database), ".saying.lock"),
        mode=0o666,
        others=True,
        widen=True,
        keeps="two passes' sayings",
    )
    deadline = time.monotonic() + TURN_WAIT_MS / 1000
    try:
        while not lock.acquire(wait=False) and time.monotonic() < deadline:
            time.sleep(0.1)
    except DigestError:  # a folder it may not write: said without the turn
        pass
    try:
        yield
    finally:
        lock.release()
