"""When the daemon fetches each source: at its ``when`` times, or ``before_minutes`` before the
readers' send times; a failed fetch is tried again after ``RETRY_FAILED`` until one succeeds.
A listing with no papers is asked for again after ``RETRY_EMPTY`` while the scheduler's grace
period after its moment lasts: on a weekend that costs a few conditional requests (304), and a
listing that was not out yet (a feed updated late, ``day: today`` asked early) still reaches
the readers it was fetched for, whom the grace period keeps waiting for it.

``latest_fetch_moment`` is pure (profiles, a moment); ``fetch_due`` reads the last attempts from
the store and fetches what is due, through the same ``fetch_source`` as `digest fetch`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from digest.config import Config, SourceConfig
from digest.daemon.slots import latest_slot
from digest.ingest.fetch import EMPTY, FetchOutcome, FetchRecord, fetch_source, last_fetches
from digest.ingest.http import Http
from digest.models import Profile
from digest.store import Store

log = logging.getLogger(__name__)

RETRY_FAILED = dt.timedelta(minutes=15)
RETRY_EMPTY = dt.timedelta(minutes=30)


def latest_fetch_moment(
    source: SourceConfig, profiles: Sequence[Profile], timezone: str, now: dt.datetime
) -> dt.datetime | None:
    """The most recent moment at or before ``now`` when ``source`` was meant to be fetched."""
    moments = []
    if source.when:
        zone = ZoneInfo(timezone)
        today = now.astimezone(zone).date()
        for back in (0, 1):
            day = today - dt.timedelta(days=back)
            moments += [dt.datetime.combine(day, t, tzinfo=zone).astimezone(dt.UTC) for t in source.when]
    else:
        before = dt.timedelta(minutes=source.before_minutes)
        for profile in profiles:
            slot = latest_slot(profile, now + before) if not profile.paused else None
            if slot is not None:
                moments.append(slot.at - before)
    moments = [m for m in moments if m <= now]
    return max(moments) if moments else None


def is_due(
    moment: dt.datetime | None, last: FetchRecord | None, now: dt.datetime, grace: dt.timedelta
) -> bool:
    if moment is None:
        return False
    if last is None:
        return True
    if last.outcome == EMPTY and last.attempted_at >= moment:  # nothing listed yet: ask again, slower
        return now - moment <= grace and now - last.attempted_at >= RETRY_EMPTY
    if last.succeeded_at is not None and last.succeeded_at >= moment:
        return False
    return last.attempted_at < moment or now - last.attempted_at >= RETRY_FAILED


def fetch_due(
    config: Config, store: Store, profiles: Sequence[Profile], now: dt.datetime, http: Http | None = None
) -> list[FetchOutcome]:
    """Fetch every source whose moment has come and that has not been fetched since."""
    if not config.sources:
        return []
    last, grace = last_fetches(store), config.scheduler.grace
    due = [
        s
        for s in config.sources
        if is_due(latest_fetch_moment(s, profiles, config.timezone, now), last.get(s.name), now, grace)
    ]
    if not due:
        return []
    own = http is None
    client = http or Http()
    try:
        return [fetch_source(config, store, client, s, now) for s in due]
    finally:
        if own:
            client.close()
