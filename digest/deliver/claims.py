"""Claims on outbox messages: several workers on one database, each message sent by one.

A part of :class:`digest.deliver.outbox.Outbox` (its base class), kept apart so that each
module owns one thing: storing and reading messages there, who holds which one here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from digest.db import POSTGRESQL, retrying_conflicts, wall_clock
from digest.deliver.outbox_messages import OutboxEntry
from digest.deliver.replies import UNWRITTEN
from digest.store import QUEUED, Store, iso
from digest.store_chunks import in_chunks

# `send --to-dir`'s messages (Outbox.due_ids, claim): made for files (by a `send --to-dir` or the file
# transport: outbox.for_files) and never tried, or tried by the file transport, which could not write
# them (no mail server deferred them); its parameter: f"{UNWRITTEN}%". Not one made for email and not
# tried yet (an SMTP send interrupted, or one made before schema 37): the reader's email
UNTRIED = "((attempts = 0 AND for_files = 1) OR last_error LIKE ?)"


def before_37_for_files(m: OutboxEntry) -> OutboxEntry:
    """``m`` as a `send --to-dir` with no smtp.from takes it (OutboxClaims.for_files_before_37): queued
    before schema 37 and never tried, it is that send's own, written by it (`send --dry-run --to-dir`)."""
    untried_then = m.for_files is None and m.status == QUEUED and not m.attempts
    return dataclasses.replace(m, for_files=True) if untried_then else m


class OutboxClaims:
    """Which worker holds which queued message, until when (its lease)."""

    store: Store
    db: Any

    def for_files_before_37(self, users: Sequence[str]) -> None:
        """`send --to-dir` in a folder with no SMTP (no smtp.from): the queued messages of ``users`` made
        before schema 37 (for_files NULL) and never tried are its own, as they were before the upgrade
        (the rest of a `send --to-dir` stopped then): left to SMTP, nothing here would ever send them."""
        with self.store.transaction():
            for chunk, marks in in_chunks(users):
                self.db.execute(
                    "UPDATE outbox SET for_files = 1 WHERE status = ? AND attempts = 0 AND for_files IS NULL "
                    f"AND user IN ({marks})",
                    (QUEUED, *chunk),
                )

    def claim(
        self,
        ids: Sequence[int],
        worker: str,
        now: dt.datetime,
        lease: dt.timedelta,
        due: dt.datetime | None = None,
        untried: bool = False,
    ) -> list[int]:
        """Take these queued messages for ``worker`` until ``now + lease``: those no other worker
        holds (or whose lease ran out: a worker killed mid-send gives them back), and, given
        ``due``, that are due then still (on PostgreSQL: another worker may have tried one and
        deferred it since the caller found it due, Outbox.due_ids; on SQLite the file lock lets
        one worker in). One conditional UPDATE per chunk: two workers never both take a message.
        A chunk's UPDATE that PostgreSQL ends to undo a deadlock (with another worker's transaction
        holding some of its rows) is tried again after a short pause: it rolled back whole, and
        taking the same rows again takes what is free then (db.retrying_conflicts). ``untried``
        (`send --to-dir`): not one a mail server deferred meanwhile, due again or not (it is the
        reader's email, Outbox.due_ids)."""
        got: list[int] = []
        still, when = "", ()  # SQLite, or not asked: as found
        if due is not None and self.store.dialect == POSTGRESQL:
            still, when = " AND next_attempt_at <= ?", (iso(due),)
        if untried:
            still, when = f"{still} AND {UNTRIED}", (*when, f"{UNWRITTEN}%")
        for chunk, marks in in_chunks(ids):

            def take(chunk: list[int] = chunk, marks: str = marks) -> list[tuple]:
                with self.store.transaction():
                    return self.db.execute(
                        "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE status = ? "
                        f"AND id IN ({marks}) "
                        f"AND {free_for(self.store)}{still} RETURNING id",
                        (worker, iso(now + lease), QUEUED, *chunk, worker, iso(now), *when),
                    ).fetchall()

            rows = retrying_conflicts(take, f"claiming {len(chunk)} outbox messages")
            got += sorted(r[0] for r in rows)
        return got

    def claiming(
        self,
        ids: Sequence[int],
        worker: str,
        clock: Callable[[], dt.datetime],
        lease: dt.timedelta,
        batch: int,
        due: Callable[[], dt.datetime] | None = None,
        untried: bool = False,
    ) -> Iterator[int]:
        """The messages ``worker`` claims, ``batch`` at a time (others take the rest meanwhile),
        those due at ``due()``'s time still, if given, and ``untried`` (:meth:`claim`)."""
        for start in range(0, len(ids), batch):
            at = due() if due else None
            yield from self.claim(ids[start : start + batch], worker, clock(), lease, at, untried)

    def renew(self, worker: str, until: dt.datetime) -> None:
        """Extend the lease of the queued messages ``worker`` holds."""
        with self.store.transaction():
            self.db.execute(
                "UPDATE outbox SET claimed_until = ? WHERE claimed_by = ? AND status = ?",
                (iso(until), worker, QUEUED),
            )

    def hold(self, ids: Sequence[int], worker: str, until: dt.datetime) -> set[int]:
        """Inside a transaction, just before claimed messages go: those still ``worker``'s
        (queued, and not taken by another worker since its lease ran out: a worker paused, by
        SIGSTOP or a stalled machine, longer than its lease), their lease now running to
        ``until``; one UPDATE for them all. On PostgreSQL only (on SQLite the file lock lets one
        worker in: all of them)."""
        if self.store.dialect != POSTGRESQL or not ids:
            return set(ids)
        rows = self.db.execute(
            f"UPDATE outbox SET claimed_until = ? WHERE id IN ({','.join('?' * len(ids))}) "
            "AND claimed_by = ? AND status = ? RETURNING id",
            (iso(until), *ids, worker, QUEUED),
        ).fetchall()
        return {r[0] for r in rows}

    def release(self, worker: str) -> None:
        """Give back what ``worker`` holds and has not sent (the end of its pass)."""
        with self.store.transaction():
            self.db.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL "
                "WHERE claimed_by = ? AND status = ?",
                (worker, QUEUED),
            )

    def claimed(self) -> dict[str, int]:
        """How many queued messages each worker holds (for `digest status`)."""
        rows = self.db.execute(
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL AND status = ? "
            "GROUP BY claimed_by",
            (QUEUED,),
        )
        return dict(rows.fetchall())


def free_for(store: Store) -> str:
    """The condition of a row (outbox, reader_claims) this worker may claim, with parameters
    (worker, now): on PostgreSQL, one that no other worker holds or whose lease ran out; on
    SQLite any (the file lock lets one worker in: a claim left is a dead process's)."""
    if store.dialect != POSTGRESQL:
        return "(? IS NOT NULL AND ? IS NOT NULL)"
    return "(claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)"


def lease_holder(
    me: str, lease: dt.timedelta, wall: Callable[[], dt.datetime] = wall_clock
) -> Callable[[], tuple[str, dt.datetime]]:
    """(worker, lease end) for a message held now, its lease on ``wall``'s clock (deliver_due's)."""
    return lambda: (me, wall() + lease)
