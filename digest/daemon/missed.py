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

import datetime as dt
from collections.abc import Mapping, Sequence

from digest.config import Config
from digest.models import Profile
from digest.select.digests import Windows, next_digests
from digest.slots import Slot
from digest.store import Store
from digest.store_missed import note_said_missed, said_missed


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
