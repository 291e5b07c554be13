"""What the server said of a message, recorded: sent, tried again later, or failed for good.

A part of :class:`digest.deliver.outbox.Outbox` (its base class), kept apart so that each
module owns one thing: storing and reading messages there, the result of each attempt here
(with digest.deliver.claims, who holds which message).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

from digest.deliver.claims import OutboxClaims
from digest.store import FAILED, QUEUED, SENT, iso

if TYPE_CHECKING:
    from digest.deliver.outbox import OutboxMessage

log = logging.getLogger(__name__)


class OutboxMarks(OutboxClaims):
    """A message's state after an attempt (or none: held), with the attempt kept."""

    @contextmanager
    def _tx(self, in_transaction: bool) -> Iterator[object]:
        with nullcontext() if in_transaction else self.store.transaction():
            yield self.db

    def mark_sent(
        self,
        msg: OutboxMessage,
        reply: str,
        now: dt.datetime,
        *,
        in_transaction: bool = False,
        queued_only: bool = False,
    ) -> bool:
        """The server accepted it: the message and its papers are recorded as sent, together
        (once: if another worker recorded it already, after this one's lease ran out, nothing:
        False; another process's recording of it that commits while this one waits too),
        for the reader the message is stored under now: a removed reader's records moved aside
        while it was at the server (digest.daemon.archive) are no longer ``msg.user``'s.
        ``queued_only``: nor if it is failed by then (digest.deliver.accepted leaves those failed)."""
        with self._tx(in_transaction):
            db = self.db
            rows = db.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1, sent_at = ?, last_error = NULL "
                f"WHERE id = ? AND status {'=' if queued_only else '!='} ? RETURNING user",
                (SENT, iso(now), msg.id, QUEUED if queued_only else SENT),
            ).fetchall()  # (every row read: the statement is done)
            if not rows:
                if not queued_only:  # (its caller says what it is)
                    log.warning("%s was recorded as sent by another worker already", msg.message_id)
                return False
            self._attempt(msg, now, True, reply)
            self.store.record_delivery(
                rows[0][0], msg.message_id, msg.recipient, msg.paper_ids, now, in_transaction=True
            )
            return True

    def mark_retry(
        self,
        msg: OutboxMessage,
        reply: str,
        now: dt.datetime,
        at: dt.datetime,
        *,
        in_transaction: bool = False,
    ) -> None:
        """A passing failure: tried again at ``at``."""
        with self._tx(in_transaction):
            db = self.db
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, "
                "claimed_by = NULL, claimed_until = NULL WHERE id = ?",
                (iso(at), reply, msg.id),
            )
            self._attempt(msg, now, False, reply)

    def mark_failed(
        self,
        msg: OutboxMessage,
        reply: str,
        now: dt.datetime,
        *,
        in_transaction: bool = False,
        attempted: bool = True,
    ) -> str:
        """Refused for good (or given up, or never ``attempted``): kept with the reply and the
        time (``failed_at``); its papers are free again, for the reader's next digest
        (digest.store_carried: even if a digest was made after it meanwhile). Returns the reader
        it is stored under now (as :meth:`mark_sent` says: a bounce's suppression is theirs).
        ``failed_after`` is the newest of the reader's messages stored by then (its id): none of
        them, whatever the clock that stamped it, was made after the failure."""
        with self._tx(in_transaction):
            db = self.db
            rows = db.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + ?, last_error = ?, failed_at = ?, "
                "failed_after = (SELECT MAX(o.id) FROM outbox o WHERE o.user = outbox.user) "
                "WHERE id = ? RETURNING user",
                (FAILED, int(attempted), reply, iso(now), msg.id),
            ).fetchall()
            if attempted:
                self._attempt(msg, now, False, reply)
        return rows[0][0] if rows else msg.user

    def _attempt(self, msg: OutboxMessage, now: dt.datetime, ok: bool, reply: str) -> None:
        """An attempt kept, at the time its reply came to the microsecond: a server answers many
        messages a second, and digest.deliver.alone reads their order from it (``iso``'s seconds,
        written before, sort before the same second's microseconds in bytewise order: SQLite,
        PostgreSQL's C collation; under a language's collation "12:00:05+00:00" sorts after
        "12:00:05.3+00:00", which misplaces attempts of the upgrade's own second alone)."""
        self.db.execute(
            "INSERT INTO attempts (outbox_id, at, ok, reply) VALUES (?,?,?,?)",
            (msg.id, iso(now, "microseconds"), int(ok), reply),
        )
