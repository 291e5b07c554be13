"""`digest status`'s word on the days whose daily papers failed besides a source's last fetch: a
catch-up's (digest.ingest.missed_days) that met a 503, say. `status` shows a source's last fetch
only, the day's own, so a failed catch-up was said by the fetch that made it and then by nothing,
though it is asked again at each fetch for a week and its papers reach no one until then."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from digest.config import Config
from digest.daemon.status_readers import shown_at
from digest.ingest.fetch import GONE, source_day
from digest.ingest.fetch_records import FetchRecord
from digest.ingest.missed_days import BEHIND, CATCH_UP, failed_before
from digest.store import Store


def failed_days(
    store: Store, config: Config, last: dict[str, FetchRecord], now: dt.datetime
) -> list[tuple[str, str]]:
    """The days of the week whose daily papers every fetch failed (a catch-up's, digest.ingest.
    missed_days), but a source's last fetch (its own line says it): which, what failed, and the
    last day they are asked for again."""
    lines = []
    for src in config.sources:
        own = source_day(src, now, config.timezone)
        for n, a in enumerate(failed_before(store, src, own, GONE)):  # oldest first
            if src.name in last and a.url == last[src.name].url:
                continue
            # an older day that fails holds it back (fetch_with_missed: no storm in an outage)
            when = "at each fetch" if n == 0 else f"at each fetch {BEHIND},"
            today = now.astimezone(ZoneInfo(config.timezone)).date()
            end = a.day + dt.timedelta(days=CATCH_UP) + (today - own)  # its source's day a week after it
            said = src.rekeyed(a.detail, config.sources)
            lines.append(
                (
                    src.name,
                    f"the daily papers of {a.day} FAILED at {shown_at(a.attempted_at)}: {said}; "
                    f"asked again {when} until a week old (the last on {end})",
                )
            )
    return lines
