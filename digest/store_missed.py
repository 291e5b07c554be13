"""The send times a pass said missed (digest.daemon.missed), or found the reader paused at, kept in
the database: ``missed_said``, one row a reader (their latest such send time, UTC).

`digest run --once` from cron is a new process at every pass: without a record it said the same
missed readers again at every pass until their next send time (every 5 minutes in cron's mail),
and counted their waiting papers again (a ranking of each: 1.8 s a pass at 10,000 readers). The
daemon remembered them in its memory only, so a restart, and each worker on PostgreSQL, said them
again. A pass now says a send time once, whichever process: those in the record are neither
counted nor said again. `digest status` does not read those: a missed send time is a state it shows
until the reader's next one. A paused reader's send time, noted so by a pass (``why``: PAUSED), is
missed neither by the passes nor by `status` once they are unpaused (digest.slots.missed_slot).
A send time said missed before the reader paused is not noted PAUSED over: it was missed, and
`status` names it once they are unpaused, as of any reader (the passes said it already)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digest.store import Store, iso
from digest.store_chunks import in_chunks

SAID = "said"  # why: the pass said the send time missed
PAUSED = "paused"  # why: the pass found the reader paused at it (not missed: digest.slots.missed_slot)


def noted_missed(store: Store, users: Sequence[str]) -> dict[str, tuple[dt.datetime, str]]:
    """Of ``users``, those with a send time noted by a pass: that send instant and why (SAID, PAUSED)."""
    found: dict[str, tuple[dt.datetime, str]] = {}
    for chunk, marks in in_chunks(users):
        rows = store.db.execute(
            f"SELECT user, slot_at, why FROM missed_said WHERE user IN ({marks})", tuple(chunk)
        ).fetchall()
        found.update((user, (dt.datetime.fromisoformat(at), why)) for user, at, why in rows)
    return found


def said_missed(store: Store, users: Sequence[str], why: str = SAID) -> dict[str, dt.datetime]:
    """Of ``users``, those whose send time a pass said missed (``why``: or found them paused at):
    that send instant."""
    return {user: at for user, (at, noted) in noted_missed(store, users).items() if noted == why}


def note_said_missed(store: Store, said: Sequence[tuple[str, dt.datetime]], why: str = SAID) -> None:
    """Readers' send times (user, send instant) said missed by this pass (``why``: or found paused
    at), in one transaction."""
    if not said:
        return
    with store.transaction():
        store.db.executemany(
            "INSERT INTO missed_said (user, slot_at, why) VALUES (?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET slot_at = excluded.slot_at, why = excluded.why",
            [(user, iso(at), why) for user, at in said],
        )
