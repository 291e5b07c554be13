"""The daily papers of days never asked for: the daemon (or the cron running `digest send`) was
not running on the day it would have fetched them. The daily papers API keeps each day's list
at its own address (``?date=``), and a pass asks only for its own day's (``day: yesterday``:
the day before), so a day missed was never fetched and its papers reached no one. Before its own
day, a pass asks for the days before it that were never asked for, back to the last that was
(a week at most; none when no day of the last week was asked: a source new to this database
begins at its own day, and one idle longer than a week does not fetch a week).
"""

from __future__ import annotations

import datetime as dt
import logging

from digest.config import SourceConfig
from digest.store import Store

log = logging.getLogger(__name__)

CATCH_UP = 7  # days looked back for the last day asked for


def missed_days(store: Store, source: SourceConfig, day: dt.date) -> list[dt.date]:
    """The days before ``day`` whose daily papers ``source`` never asked for, oldest first."""
    if source.kind != "hf_daily" or "{date}" not in source.url:
        return []
    missed = []
    for back in range(1, CATCH_UP + 1):
        earlier = day - dt.timedelta(days=back)
        asked = store.db.execute("SELECT 1 FROM fetches WHERE url = ?", (source.resolved_url(earlier),))
        if asked.fetchone() is not None:
            if missed:
                said = ", ".join(d.isoformat() for d in reversed(missed))
                log.info("%s: the daily papers of %s were never fetched: fetched now", source.name, said)
            return missed[::-1]
        missed.append(earlier)
    return []
