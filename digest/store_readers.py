"""What the store keeps per reader: schedule state, deliveries and sent papers, the embeddings
of their texts (their ratings: digest.store_ratings).

A part of :class:`digest.store.Store` (its base class), kept apart so that each module owns
one thing: papers and listings there, readers' records here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from digest.errors import StoreError
from digest.store_chunks import in_chunks

# An outbox message's status: waiting (or retrying), accepted by the server, refused for good.
QUEUED, SENT, FAILED = "queued", "sent", "failed"


@functools.lru_cache(maxsize=256)  # a pass stamps many rows with the same few moments
def iso(moment: dt.datetime, timespec: str = "seconds") -> str:
    if moment.tzinfo is None:
        raise ValueError("store timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec=timespec)


def _batches(users: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """``users`` once each, in chunks: the readers of one query (its parameters, its placeholders)."""
    return in_chunks(list(dict.fromkeys(users)))


@dataclass(frozen=True)
class Delivery:
    user: str
    message_id: str
    recipient: str
    papers: int
    sent_at: dt.datetime


# Store.version counts the deliveries of the newest ids: on PostgreSQL a delivery another worker
# took a lower id for may commit after these (digest.deliver.marks.Outbox.mark_sent, at once)
RECENT_DELIVERIES = 1000


class ReaderRecords:
    """Per-reader tables; the database connection and transactions are the Store's."""

    db: Any  # sqlite3.Connection, or digest.db.PgConnection that speaks like one

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    # -- schedule ------------------------------------------------------------------------

    def schedule_state(self, user: str) -> tuple[str, dt.datetime] | None:
        """(last period a digest was made for, when) or None for a reader never scheduled."""
        row = self.db.execute(
            "SELECT last_period, last_run_at FROM schedule_state WHERE user = ?", (user,)
        ).fetchone()
        return (row[0], dt.datetime.fromisoformat(row[1])) if row else None

    def all_schedule_states(self) -> dict[str, tuple[str, dt.datetime]]:
        """Every scheduled reader's :meth:`schedule_state`, in one query (a tick's view of them all)."""
        rows = self.db.execute("SELECT user, last_period, last_run_at FROM schedule_state").fetchall()
        return {r[0]: (r[1], dt.datetime.fromisoformat(r[2])) for r in rows}

    def previous_digest_at(self, user: str) -> dt.datetime | None:
        """When the reader's previous digest was made, or None: they never had one.

        A digest refused for good does not count; deliveries older than the outbox do.
        """
        row = self.db.execute(
            "SELECT MAX(at) FROM (SELECT last_run_at AS at FROM schedule_state WHERE user = ? "
            "UNION ALL SELECT MAX(created_at) FROM outbox WHERE user = ? AND status != ? "
            "UNION ALL SELECT MAX(sent_at) FROM deliveries d WHERE user = ? "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = d.message_id)) AS t",
            (user, user, FAILED, user),
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def previous_digest_through(self, user: str) -> int | None:
        """The newest paper when the reader's previous digest was chosen (their next one is
        chosen from the papers after it), or None: they never had a digest made (a new reader,
        given the latest listing).

        A digest refused for good does not count (its papers are free again, digest.store_carried).
        For digests made before the outbox kept this (deliveries older than the outbox), the
        papers stored by the time of the digest: a reader whose digests have all failed since
        such a one had their last kept then. A reader none of whose digests was kept (their
        first failed: refused, held as they paused) is no new reader: their window starts where
        their first digest's did end, so that what was listed since comes with its papers (carried).
        """
        kept, first = self.db.execute(
            "SELECT MAX(CASE WHEN status != ? THEN through_paper END), MIN(through_paper) "
            "FROM outbox WHERE user = ?",
            (FAILED, user),
        ).fetchone()
        if kept is not None:  # digests chosen by this version: the last one not refused
            return int(kept)
        at = self.previous_digest_at(user) if first is None else self._kept_before_through(user)
        if at is None and first is not None:  # none kept: where the first ended
            return int(first)
        if at is None:
            return None
        row = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM papers WHERE added_at <= ?", (iso(at),))
        return int(row.fetchone()[0])

    def _kept_before_through(self, user: str, before: dt.datetime | None = None) -> dt.datetime | None:
        """When the reader's newest digest kept whose window's end was not (a delivery older than
        the outbox, a message stored before it kept ``through_paper``) was made (before ``before``)."""
        until = "9999-12-31T23:59:59+00:00" if before is None else iso(before)
        (at,) = self.db.execute(
            "SELECT MAX(at) FROM (SELECT MAX(created_at) AS at FROM outbox WHERE user = ? AND status != ? "
            "AND through_paper IS NULL AND created_at < ? UNION ALL SELECT MAX(sent_at) FROM deliveries d "
            "WHERE user = ? AND sent_at < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
            "o.message_id = d.message_id AND o.through_paper IS NOT NULL)) AS t",
            (user, FAILED, until, user, until),
        ).fetchone()
        return None if at is None else dt.datetime.fromisoformat(at)

    def newest_day_when(self, paper_id: int) -> dt.date | None:
        """The newest listing day stored by the time paper ``paper_id`` was (the listings
        ingested up to the one that brought it): what a reader's previous digest, chosen up to
        that paper, could draw on. A listing's day counts as at most the day after it was
        ingested: one dated in the future (a wrong clock) holds no later listing back. A paper
        merged into another since (digest.store_papers.merge_paper) is looked up where it was."""
        rows = self.db.execute(
            "SELECT day, ingested_at FROM listings WHERE id <= COALESCE("
            "(SELECT MIN(listing_id) FROM listing_papers WHERE paper_id = ?), "
            "(SELECT listing_id FROM paper_merges WHERE old_id = ?))",
            (paper_id, paper_id),
        ).fetchall()
        days = (
            min(dt.date.fromisoformat(day), dt.datetime.fromisoformat(at).date() + dt.timedelta(days=1))
            for day, at in rows
        )
        return max(days, default=None)

    # -- the same, for a batch of readers at once (a tick's batch: one query, not one per reader)

    def schedule_states(self, users: Sequence[str]) -> dict[str, tuple[str, dt.datetime]]:
        """:meth:`schedule_state` of each of ``users`` that was ever scheduled."""
        sql = "SELECT user, last_period, last_run_at FROM schedule_state WHERE user IN"
        rows = self._in_chunks(sql, users)
        return {r[0]: (r[1], dt.datetime.fromisoformat(r[2])) for r in rows}

    def previous_digests_through(self, users: Sequence[str]) -> dict[str, int | None]:
        """:meth:`previous_digest_through` of each of ``users`` (the same answers)."""
        rows = self._each(  # two look-ups in outbox_through per reader
            "(SELECT through_paper FROM outbox WHERE user = asked.name AND through_paper IS NOT NULL "
            "AND status != ? ORDER BY through_paper DESC LIMIT 1), "
            "(SELECT through_paper FROM outbox WHERE user = asked.name AND through_paper IS NOT NULL "
            "ORDER BY through_paper LIMIT 1)",
            users,
            (FAILED,),
        )
        kept = {name: through for name, through, first in rows if through is not None}
        rest = [u for u in users if u not in kept]  # (all failed: rare, one by one)
        known = {  # readers with any record at all (the others never had a digest)
            r[0]
            for table in ("schedule_state", "outbox", "deliveries")
            for r in self._in_chunks(f"SELECT DISTINCT user FROM {table} WHERE user IN", rest)
        }
        through = {u: (None if v is None else int(v)) for u, v in kept.items()}
        for user in rest:
            through[user] = self.previous_digest_through(user) if user in known else None
        return through

    def reserved_paper_ids_of(self, users: Sequence[str], since: int = 0) -> dict[str, set[int]]:
        """:meth:`reserved_paper_ids` of each of ``users``; with ``since``, of the papers sent
        only those from paper ``since`` on (a window's first paper: the papers of a year of
        digests are not read to rank one day's window)."""
        ids: dict[str, set[int]] = {u: set() for u in users}
        sql = "SELECT user, paper_id FROM sent_papers WHERE paper_id >= ? AND user IN"
        for user, paper_id in self._in_chunks(sql, users, (since,)):
            ids[user].add(paper_id)
        sql = "SELECT user, paper_ids FROM outbox WHERE status = ? AND user IN"
        queued = self._in_chunks(sql, users, (QUEUED,))
        for user, raw in queued:
            ids[user].update(json.loads(raw))
        return ids

    def _in_chunks(
        self, sql: str, users: Sequence[str], before: Sequence[Any] = (), after: str = ""
    ) -> list[tuple]:
        """``sql`` ending in ``... user IN`` run for ``users`` 500 at a time; all the rows."""
        rows: list[tuple] = []
        for chunk, marks in _batches(users):
            rows += self.db.execute(f"{sql} ({marks}){after}", (*before, *chunk)).fetchall()
        return rows

    def _each(self, select: str, users: Sequence[str], params: Sequence[Any] = ()) -> list[tuple]:
        """``(user, *select)`` for each of ``users``, 500 at a time: ``select``'s subqueries name
        the reader as ``asked.name``, each an index look-up for that reader, where a GROUP BY
        over ``user IN (...)`` reads every row of every reader (a year of digests)."""
        rows: list[tuple] = []
        for chunk, _ in _batches(users):
            values = ",".join(["(?)"] * len(chunk))
            sql = f"WITH asked(name) AS (VALUES {values}) SELECT name, {select} FROM asked"
            rows += self.db.execute(sql, (*chunk, *params)).fetchall()
        return rows

    def max_paper_id(self) -> int:
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM papers").fetchone()[0])

    def set_schedule_state(self, user: str, period: str, now: dt.datetime) -> None:
        """Record that ``period`` is done; call inside the transaction that queues its digest."""
        self.db.execute(
            "INSERT INTO schedule_state (user, last_period, last_run_at) VALUES (?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET last_period = excluded.last_period, "
            "last_run_at = excluded.last_run_at",
            (user, period, iso(now)),
        )

    def set_schedule_states(self, done: Sequence[tuple[str, str]], now: dt.datetime) -> None:
        """:meth:`set_schedule_state` for many (reader, period) at once."""
        self.db.executemany(
            "INSERT INTO schedule_state (user, last_period, last_run_at) VALUES (?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET last_period = excluded.last_period, "
            "last_run_at = excluded.last_run_at",
            [(user, period, iso(now)) for user, period in done],
        )

    # -- deliveries ----------------------------------------------------------------------

    def record_delivery(
        self,
        user: str,
        message_id: str,
        recipient: str,
        paper_ids: Iterable[int],
        now: dt.datetime,
        *,
        in_transaction: bool = False,
    ) -> None:
        """Mark papers sent to ``user``: call only after the server accepted the message."""
        if not in_transaction:
            with self.transaction():
                self.record_delivery(user, message_id, recipient, paper_ids, now, in_transaction=True)
            return
        ids = list(paper_ids)
        if ids and not isinstance(self.db, sqlite3.Connection):  # a merge of one of them is waited for:
            marks = ",".join("?" * len(ids))  # the papers it became recorded (store_papers.merge_paper)
            self.db.execute(f"SELECT 1 FROM papers WHERE id IN ({marks}) ORDER BY id FOR KEY SHARE", ids)
        delivery_id = self.db.execute(
            "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
            (user, message_id, recipient, len(ids), iso(now)),
        ).lastrowid
        self.db.executemany(  # a paper merged into another since the message was made: that one
            "INSERT OR IGNORE INTO sent_papers (user, paper_id, delivery_id) "
            "SELECT ?, COALESCE((SELECT paper_id FROM paper_merges WHERE old_id = ?), ?), ?",
            [(user, pid, pid, delivery_id) for pid in ids],
        )

    def sent_paper_ids(self, user: str) -> set[int]:
        rows = self.db.execute("SELECT paper_id FROM sent_papers WHERE user = ?", (user,))
        return {r[0] for r in rows}

    def reserved_paper_ids(self, user: str) -> set[int]:
        """Papers the reader was sent, or that wait in a queued message to them."""
        ids = self.sent_paper_ids(user)
        for (raw,) in self.db.execute(
            "SELECT paper_ids FROM outbox WHERE user = ? AND status = ?", (user, QUEUED)
        ):
            ids.update(json.loads(raw))
        return ids

    def check_paper(self, paper_id: int, user: str) -> None:
        """StoreError if there is no paper ``paper_id`` (a merged one's: see current_paper_id),
        naming the command that prints ``user``'s paper ids."""
        if not self.db.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone():
            raise StoreError(f"no paper with id {paper_id} (see the ids of `digest rank {user} --json`)")

    def paper_with_arxiv_id(self, arxiv_id: str) -> int | None:
        """The id of the paper stored with ``arxiv_id`` (without version); None if none is."""
        row = self.db.execute("SELECT id FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
        return None if row is None else int(row[0])

    def current_paper_id(self, paper_id: int) -> int:
        """The paper that paper ``paper_id`` is now: itself, or the paper it was merged into
        (digest.store_papers.merge_paper), as the links of a digest sent before the merge say."""
        row = self.db.execute("SELECT paper_id FROM paper_merges WHERE old_id = ?", (paper_id,)).fetchone()
        return paper_id if row is None else int(row[0])

    def last_delivered(self, users: Sequence[str]) -> dict[str, dt.datetime]:
        """When each of ``users`` was last sent a digest (the readers ever sent one): one index
        look-up per reader (``deliveries_user``), however many digests the archive holds (a
        ``GROUP BY user`` over an ``IN`` list reads every delivery of each reader instead:
        0.85 s against 0.03 s for 10,000 readers with a year of daily digests)."""
        rows = self._each("(SELECT MAX(sent_at) FROM deliveries WHERE user = asked.name)", users)
        return {name: dt.datetime.fromisoformat(at) for name, at in rows if at is not None}

    def deliveries(self, user: str | None = None) -> list[Delivery]:
        sql = "SELECT user, message_id, recipient, papers, sent_at FROM deliveries"
        args: tuple[str, ...] = ()
        if user is not None:
            sql, args = sql + " WHERE user = ?", (user,)
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [Delivery(r[0], r[1], r[2], r[3], dt.datetime.fromisoformat(r[4])) for r in rows]

    # -- embeddings of readers' texts (interests, titles they like) -----------------------

    def text_embeddings(self, model: str, texts: Iterable[str]) -> dict[str, bytes]:
        """Stored embeddings (raw float32 bytes) of these texts for ``model``."""
        by_key = {_text_key(t): t for t in texts}
        sql = "SELECT sha256, text, vector FROM text_embeddings WHERE model = ? AND sha256 IN"
        rows = self._in_chunks(sql, list(by_key), (model,))
        return {text: bytes(vec) for key, text, vec in rows if by_key.get(key) == text}

    def save_text_embeddings(self, model: str, vectors: dict[str, tuple[int, bytes]]) -> None:
        """Keep embeddings ``{text: (dims, float32 bytes)}``; one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO text_embeddings (model, sha256, text, dims, vector) VALUES (?,?,?,?,?) "
                "ON CONFLICT (model, sha256) DO UPDATE SET text = excluded.text, dims = excluded.dims, "
                "vector = excluded.vector",
                [(model, _text_key(text), text, dims, blob) for text, (dims, blob) in vectors.items()],
            )


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
