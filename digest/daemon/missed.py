"""Whether a reader's send time was missed, the one decision `digest run`'s passes say (and the
daemon logs) and `digest status` shows: a send time no pass served within the grace
(digest.slots.missed_slot) while papers wait for the reader. A day with nothing to send is not
missed: after downtime over a send time with no new listing (a weekend), nobody was.

The papers waiting are those the reader's next digest would hold now; a pass counts them only for
the readers whose send time passed unserved (a pass may look at 100,000 readers), `status` has
them counted for every reader already."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from digest.config import Config
from digest.models import Profile
from digest.select.digests import Windows, next_digests
from digest.slots import Slot
from digest.store import Store


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
