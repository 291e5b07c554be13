"""The papers of a failed digest that a later digest left out: carried to the reader's next one.

A reader's next digest is chosen from the papers after their last digest that did not fail
(Store.previous_digest_through), so a digest that fails while it is their last has its papers
chosen from again. One still waiting for a retry (a 4xx) when their next digest is made is
passed over by that one (its papers wait in it), and if it then fails for good (its retries run
out, a 5xx, held: an address changed, an unsubscribe), the window has moved on past it. Its
papers, sent to the reader in no digest since, are carried to the first digest made after it
failed (``outbox.failed_at``, digest.deliver.marks.OutboxMarks.mark_failed: stamped later, and
stored after it was recorded, ``failed_after``), and to no later one: a digest made (and not
failed) since took them or left them as any window's papers. A reader none of whose digests
was kept (their first failed: refused, held as they paused) is no new reader (given the latest
listing): their window starts where their first digest's ended (Store.previous_digest_through),
so that what was listed since comes, and that first digest's papers are carried to it alike.

A part of :class:`digest.store.Store` (its base class), kept apart so that each module owns one
thing. Messages failed before the database kept ``failed_at`` (schema 26) carry nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from digest.store_readers import FAILED, ReaderRecords, iso

# A failed message none of whose reader's later digests not failed was made after it failed: an
# index look-up (outbox_user) for each reader asked, nothing found for most; both before a digest
# (a past day's: made when, its id; what it was given), or _LAST (now). Made after it: stamped
# later, and stored after it was recorded (an id after failed_after: one stored before, stamped
# later by a clock ahead, was not; failed before schema 30, the stamp alone)
_PENDING_ROWS = (
    "FROM outbox f WHERE f.status = ? "
    "AND f.failed_at IS NOT NULL AND f.through_paper IS NOT NULL AND f.failed_at < ? "
    "AND (f.failed_after IS NULL OR f.failed_after < ?) AND NOT EXISTS (SELECT 1 FROM outbox e "
    "WHERE e.user = f.user AND e.status != ? AND e.created_at > f.failed_at "
    "AND (f.failed_after IS NULL OR e.id > f.failed_after) AND e.created_at < ?) AND f.user IN"
)
_PENDING = f"SELECT f.user, f.through_paper, f.paper_ids {_PENDING_ROWS}"
_LAST = ("9999-12-31T23:59:59+00:00", 2**63 - 1)  # no digest: as it stands now (every stamp, id before)


class CarriedPapers(ReaderRecords):
    """The papers each reader's next digest is given beside its window (see the module)."""

    def carried_paper_ids(
        self, kept: Mapping[str, int | None], made: tuple[dt.datetime, int] | None = None
    ) -> dict[str, tuple[int, ...]]:
        """For each reader of ``kept`` (the reader: where their window starts, as
        :meth:`previous_digests_through` says), the papers of their failed digests that the
        window leaves out (made before it starts; of a reader with no digest kept, whose window is
        the latest listing, every one) and no digest made since they failed was given,
        as they are stored now (a paper merged into another since: that one), less the papers
        sent to them; sorted, () for most. One query for 500 readers; more only for readers
        with such papers.

        ``made``: those a digest made then (when, its outbox id) was given (`preview --date` of a
        past day: failed before it, given to no digest made between), less none (what was sent
        before it is the caller's to leave out: since then this digest's own papers were sent too)."""
        at, made_id = _LAST if made is None else (iso(made[0]), made[1])
        behind: dict[str, set[int]] = {}
        for user, through, raw in self._in_chunks(_PENDING, list(kept), (FAILED, at, made_id, FAILED, at)):
            start = kept.get(user)  # at or before the start: out of the window (a reader with no
            # digest kept starts where the first ended); after: in it. None: only digests made
            # before the outbox kept where they ended, a new reader's window (the latest listing)
            if start is None or int(through) <= start:
                behind.setdefault(user, set()).update(json.loads(raw))
        now = made is None
        return {user: () for user in kept} | {u: self._still_unsent(u, ids, now) for u, ids in behind.items()}

    def failed_unseen(self, user: str, seen: tuple[int | None, tuple[int, ...]] | None) -> list[int]:
        """The reader's failed digests whose papers are carried to their next digest (no digest
        made since they failed), if the digest about to be stored did not see them so: ``seen``
        (Digest.window, None: not asked) is where its window started and what it carried, as read
        when it was chosen; the window as it would be read now is another. Another worker failed
        them after that (their retries run out, a 550 answered before this worker's pass began,
        recorded after it read the window): the window started after them, as after a digest
        waiting, and carried none of their papers. :meth:`failed_before` then keeps them failed
        before the digest stored (as if that digest had been stored before they failed), so that
        their papers go to the one after it, not to none. Asked in the transaction that stores
        it, the reader's name held (PostgreSQL: digest.deliver.wanted.hold_names), which the
        transaction recording a failure holds too: either that failure is read here, or its
        ``failed_after`` sees this digest. One look-up for most readers (nothing failed)."""
        if seen is None:
            return []
        sql = f"SELECT f.id {_PENDING_ROWS} (?)"
        ids = [r[0] for r in self.db.execute(sql, (FAILED, *_LAST, FAILED, _LAST[0], user)).fetchall()]
        if not ids:
            return []
        start = self.previous_digest_through(user)
        return [] if (start, self.carried_paper_ids({user: start})[user]) == seen else ids

    def failed_before(self, ids: list[int], stored: int) -> None:
        """The failed digests ``ids`` (:meth:`failed_unseen`) kept as failed before the message
        ``stored`` (``failed_after``): not taken by it."""
        if ids:
            marks = ",".join("?" * len(ids))
            self.db.execute(f"UPDATE outbox SET failed_after = ? WHERE id IN ({marks})", (stored, *ids))

    def history_before(
        self, user: str, start: dt.datetime, end: dt.datetime
    ) -> tuple[int | None, set[int], tuple[int, dt.datetime, int] | None]:
        """The reader's digests as they stood at ``start`` (`digest preview --date`: the digest
        of a past day, made from what came before it): (what :meth:`previous_digest_through`
        said then, the papers :meth:`reserved_paper_ids` held then, and for the first digest
        stored between ``start`` and ``end`` the newest paper when it was chosen, when, and its id:
        what that day's digest could see, or None). A digest refused for good does not count,
        unless it failed after that day's digest was made (it waited for a retry then, and the
        window started after it: Thursday's, refused after Friday's was made, for Friday's).
        With no digest kept before ``start``, where the first digest made ended (by the time the
        day's digest was made, or, none made, by ``end``: today's first, refused this morning, is
        where today's view starts, as the next digest does)."""
        rows = self.db.execute(
            "SELECT through_paper, paper_ids, created_at, id, status, failed_at, failed_after FROM outbox "
            "WHERE user = ? AND created_at < ? AND (status != ? OR failed_at IS NOT NULL)",
            (user, iso(end), FAILED),
        ).fetchall()
        kept = [r for r in rows if r[4] != FAILED]
        # the first stored (a clock ahead stamps one stored before another later than it)
        that_day = sorted((r[3], r[2], r[0]) for r in kept if r[2] >= iso(start) and r[0] is not None)
        made = [(t, dt.datetime.fromisoformat(at), i) for i, at, t in that_day[:1]]
        if made:  # a digest failed since it was made: waiting then (_PENDING's "made after", not)
            i, at = that_day[0][:2]
            kept += [r for r in rows if r[4] == FAILED and not (at > r[5] and (r[6] is None or i > r[6]))]
        before = [(through, raw) for through, raw, at, *_ in kept if at < iso(start)]
        taken = {pid for _, raw in before for pid in json.loads(raw)}
        taken |= {  # deliveries older than the outbox
            r[0]
            for r in self.db.execute(
                "SELECT s.paper_id FROM sent_papers s JOIN deliveries d ON d.id = s.delivery_id "
                "WHERE s.user = ? AND d.sent_at < ?",
                (user, iso(start)),
            )
        }
        previous = max((t for t, _ in before if t is not None), default=None)
        if previous is None and (at := self._kept_before_through(user, start)) is not None:  # digests
            # made before the outbox kept where they stopped (old deliveries): the papers stored by
            # then, as previous_digest_through says (those failed since do not count)
            row = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM papers WHERE added_at <= ?", (iso(at),))
            previous = int(row.fetchone()[0])
        if previous is None:  # none kept then: where their first digest made ended, if one was
            # (previous_digest_through), by the time the day's digest was made; a day not made, by
            # its end: one failed that day (today's first, refused) is where its next digest starts
            by = iso(made[0][1]) if made else iso(end)
            (first,) = self.db.execute(
                "SELECT MIN(through_paper) FROM outbox WHERE user = ? AND created_at < ?", (user, by)
            ).fetchone()
            previous = None if first is None else int(first)
        return previous, taken, made[0] if made else None

    def _still_unsent(self, user: str, ids: set[int], less_sent: bool = True) -> tuple[int, ...]:
        """``ids`` as stored now (merged: the paper they became), less those sent to ``user``
        (unless not ``less_sent``)."""
        if not ids:
            return ()
        marks = ",".join("?" * len(ids))
        now = {
            old: new
            for old, new in self.db.execute(
                f"SELECT old_id, paper_id FROM paper_merges WHERE old_id IN ({marks})", tuple(ids)
            ).fetchall()
        }
        ids = {now.get(pid, pid) for pid in ids}
        if not less_sent:
            return tuple(sorted(ids))
        marks = ",".join("?" * len(ids))
        sent = self.db.execute(
            f"SELECT paper_id FROM sent_papers WHERE user = ? AND paper_id IN ({marks})", (user, *ids)
        ).fetchall()
        return tuple(sorted(ids - {r[0] for r in sent}))
