"""Was a message's last refusal its own? What the recorded attempts say: the server took messages of
ours after it and before it (:data:`NEIGHBOURS` of each), so it was not turning away all our mail at
that moment. A relay whose quota ran out (our account's hourly limit) refuses every
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

# How many attempts of other messages on each side of a refusal the server must have taken for it to
# have come alone: the times are read by each connection's thread as it gets its reply, so one
# connection's refusal may be stamped before another's acceptance the server answered first.
NEIGHBOURS = 3


def refused_alone(db: Any, outbox_id: int) -> bool:
    """Was the last attempt of outbox message ``outbox_id`` (a refusal) followed by
    :data:`NEIGHBOURS` messages of ours the server took, and preceded by as many (or by fewer,
    all taken, and nothing before them)?"""
    last = db.execute(
        "SELECT at FROM attempts WHERE outbox_id = ? ORDER BY id DESC LIMIT 1", (outbox_id,)
    ).fetchone()  # read from the newest back: the last attempt is recent
    if last is None:
        return False
    at = last[0]
    if db.execute(
        "SELECT 1 FROM attempts WHERE at = ? AND outbox_id != ? LIMIT 1", (at, outbox_id)
    ).fetchone():
        return False  # another message's attempt at the same instant: in doubt
    after = db.execute(
        "SELECT ok FROM attempts WHERE at > ? AND outbox_id != ? ORDER BY at LIMIT ?",
        (at, outbox_id, NEIGHBOURS),
    ).fetchall()
    before = db.execute(
        "SELECT ok FROM attempts WHERE at < ? AND outbox_id != ? ORDER BY at DESC LIMIT ?",
        (at, outbox_id, NEIGHBOURS),
    ).fetchall()
    return len(after) == NEIGHBOURS and all(r[0] for r in after) and all(r[0] for r in before)
