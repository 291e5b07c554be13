"""A daily papers source's fetch with the days before its own that it never asked for first (the
daemon was not running): digest.ingest.missed_days says which, digest.ingest.fetch fetches each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from digest.config import Config
from digest.ingest.fetch import AT_ITS_TIMES, FAILED, GONE, FetchOutcome, fetch_source, source_day
from digest.ingest.http import Http
from digest.ingest.missed_days import NOT_AGAIN, failed_before, missed_days, not_again
from digest.sources_config import SourceConfig
from digest.store import Store

log = logging.getLogger(__name__)

# a day that failed before, left for the next fetch once a day failed in this one (an outage)
LEFT = "%s: %s failed before and a day failed now: asked at the next fetch"


def fetch_with_missed(
    config: Config, store: Store, http: Http, source: SourceConfig, now: dt.datetime, **how: Any
) -> list[FetchOutcome]:
    """fetch_source (``how``: its keywords), after the days before the source's own that it never
    asked for (digest.ingest.missed_days: the daemon was not running), oldest first, each recorded
    a second apart before ``now``: the day's own fetch stays the source's latest. Once one of them
    fails, the days that failed before are left for the next fetch (an outage: no storm)."""
    own = source_day(source, now, config.timezone)
    missed, failed = (
        missed_days(store, source, own, GONE),
        {a.day for a in failed_before(store, source, own, GONE)},
    )
    outcomes: list[FetchOutcome] = []
    for n, day in enumerate(missed):
        if day in failed and any(o.outcome == FAILED for o in outcomes):  # an outage: no storm
            log.info(LEFT, source.name, day)
            continue
        at = now - dt.timedelta(seconds=len(missed) - n)
        out = fetch_source(config, store, http, source, at, day=day, **how)
        if out.outcome == FAILED and not out.stopped:  # said when no later fetch asks for it again
            again = not_again(day, own, GONE in out.detail)
            out = dataclasses.replace(out, detail=out.detail.removesuffix(AT_ITS_TIMES) + again)
        outcomes.append(out)
        if outcomes[-1].stopped:  # SIGTERM, Ctrl-C: no more fetched
            return outcomes
    return [*outcomes, fetch_source(config, store, http, source, now, **how)]


def held_back(outcomes: Sequence[FetchOutcome], failed: FetchOutcome) -> bool:
    """Whether ``failed``, the failed fetch of a day a source missed, among ``outcomes`` (a fetch's:
    each source's missed days oldest first, then its own), waits at the source's next fetch for an
    older day that failed in the same fetch and is asked again then: that one is asked first, and
    if it fails again ``failed`` is left for the fetch after it (:func:`fetch_with_missed`)."""
    at = next(n for n, o in enumerate(outcomes) if o is failed)
    return any(
        o.source == failed.source and o.outcome == FAILED and not o.stopped and NOT_AGAIN not in o.detail
        for o in outcomes[:at]
    )
