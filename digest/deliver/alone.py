"""Was a message's last refusal its own? What the recorded attempts say: the server took a message
of ours right after it (and right before it, unless it came first), so it was not turning away
all our mail at that moment. A relay whose quota ran out (our account's hourly limit) refuses every
message after the last one it took, and again after the first few it takes at the next hour: such
a refusal came among others refused alike, and says nothing of that message.

Read in the order the server answered (``attempts.at``, written to the microsecond since the
attempts kept their order: digest.deliver.outbox), not the order the results were recorded: on
SQLite a message the server accepted is noted in the pass's journal and recorded later, in a
batch (digest.deliver.journal); several connections or workers record slightly out of order too.
An attempt of another message at the same instant (older ones were kept to the second) leaves it in
doubt: the message waits once more, which loses nothing."""

from __future__ import annotations

from typing import Any


def refused_alone(db: Any, outbox_id: int) -> bool:
    """Was the last attempt of outbox message ``outbox_id`` (a refusal) followed by a message of
    ours the server took, and preceded by one it took (or by none at all)?"""
    last = db.execute(
        "SELECT at FROM attempts WHERE outbox_id = ? ORDER BY id DESC LIMIT 1", (outbox_id,)
    ).fetchone()  # read from the newest back: the last attempt is recent
    if last is None:
        return False
    after = _nearest(db, outbox_id, last[0], later=True)
    if after is None or after[0] == last[0] or not after[1]:  # the same instant: in doubt
        return False
    before = _nearest(db, outbox_id, last[0], later=False)
    return before is None or (before[0] != last[0] and before[1])


def _nearest(db: Any, outbox_id: int, at: str, later: bool) -> tuple[str, bool] | None:
    """The attempts of other messages nearest ``at`` (at it, or after it if ``later``, else before
    it): their time, and whether the server took them all (a refusal among them: no). Read along
    the index attempts_at, however many attempts are kept."""
    sql = "SELECT at FROM attempts WHERE at >= ? AND outbox_id != ? ORDER BY at LIMIT 1"
    if not later:
        sql = "SELECT at FROM attempts WHERE at <= ? AND outbox_id != ? ORDER BY at DESC LIMIT 1"
    row = db.execute(sql, (at, outbox_id)).fetchone()
    if row is None:
        return None
    (ok,) = db.execute(
        "SELECT MIN(ok) FROM attempts WHERE at = ? AND outbox_id != ?", (row[0], outbox_id)
    ).fetchone()
    return row[0], bool(ok)
