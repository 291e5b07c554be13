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
    after = db.execute(
        "SELECT at, ok FROM attempts WHERE outbox_id != ? AND at >= ? ORDER BY at, ok LIMIT 1",
        (outbox_id, last[0]),
    ).fetchone()
    if after is None or after[0] == last[0] or not after[1]:  # the same instant: in doubt
        return False
    before = db.execute(
        "SELECT at, ok FROM attempts WHERE outbox_id != ? AND at <= ? ORDER BY at DESC, ok LIMIT 1",
        (outbox_id, last[0]),
    ).fetchone()
    return before is None or (before[0] != last[0] and bool(before[1]))
