"""Fetching every configured source, each after the days before its own that it never asked for.

fetch_all is what `digest fetch` and `digest demo` call, fetch_with_missed what the daemon calls
per source; each outcome is digest.ingest.fetch.fetch_source's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from digest.config import Config, SourceConfig
from digest.fetched_names import safe
from digest.ingest.fetch import AT_ITS_TIMES, GONE, FetchOutcome, fetch_source, source_day
from digest.ingest.fetch_records import own_fetch, url_day, url_fetched
from digest.ingest.http import Http
from digest.ingest.missed_days import (
    FAILED,
    KEPT,
    LEFT,
    NOT_AGAIN,
    behind,
    day_asked,
    failed_before,
    held_back,
    last_fetched,
    leave,
    missed_days,
    not_again,
)
from digest.ingest.stored_days import CATCH_UP, stored_by
from digest.progress import NO_PROGRESS, Progress
from digest.store import Store

# what a failed catch-up of a day whose papers are stored all the same adds in place of missed_days.KEPT
# when none of them is its own earlier answer's: another source's of the API (a mirror), or a dump
STORED_ANYWAY = "; its papers stored all the same"
BY_ANOTHER = STORED_ANYWAY + ", by {}'s fetch: " + NOT_AGAIN
BY_HAND = STORED_ANYWAY + ", from a dump loaded by hand: " + NOT_AGAIN

# a day that failed before, left in an outage: logged under the name it had (cli.said_once.BOOKKEEPING)
missed_log = logging.getLogger("digest.ingest.fetch_missed")


def fetch_with_missed(
    config: Config, store: Store, http: Http, source: SourceConfig, now: dt.datetime, **how: Any
) -> list[FetchOutcome]:
    """fetch_source (``how``: its keywords), after the days before the source's own that it never
    asked for (digest.ingest.missed_days: the daemon was not running), oldest first, each recorded
    a second apart before ``now`` (their files named at ``now``, as the fetch the user ran): the day's
    own fetch stays the source's latest. Once one of them
    fails, the days that failed before are left for the next fetch (an outage: no storm); once the
    server fails one (no answer, no connection, 5xx: missed_days.leave), every day after it is."""
    own = source_day(source, now, config.timezone)
    # when, and the address it asked (its `day` may have changed), by its names or its url (renamed)
    # (and whether its time is another source's later ask of the address: not its own, its day the url's)
    found = last_fetched(store, source)
    # taken since, but its own record asked a day as late (`today` alone on the 2nd, `yesterday` asking
    # for the 1st's list after it): that fetch is its last, its time kept (before: "since it asked for
    # the list of 2026-12-01" of a source whose fetch at 06:00 on the 2nd asked for the 2nd's)
    if found and found[2] and (mine := own_fetch(store, source)):
        its_day = day_asked(source, mine[1], source_day(source, mine[0], config.timezone))
        found = (*mine, False) if its_day >= (url_day(source, found[1]) or its_day) else found
    fetched = (found, (*url, False) if (url := url_fetched(store, source, config.sources)) else None)
    last = max((f for f in fetched if f), default=None, key=lambda f: f[0])
    then = last and day_asked(source, last[1], source_day(source, last[0], config.timezone))
    if last and last[2]:
        then = url_day(source, last[1]) or then
    before = (last[0], then, last[2]) if last and then else None
    # another source of its address whose own day is earlier (`day: yesterday` beside `day: today`):
    # the days of its week are its to ask for (in this run, or at its next fetch), not lost to this one
    others = [o for o in config.sources if o != source and o.holds(source.resolved_url(own))]
    theirs = min((source_day(o, now, config.timezone) for o in others), default=own)
    missed, failed = (
        missed_days(store, source, own, GONE, now, before, theirs - dt.timedelta(days=CATCH_UP)),
        {a.day for a in failed_before(store, source, own, GONE)},
    )
    outcomes: list[FetchOutcome] = []
    asked: list[dt.date] = []  # the day of each of outcomes
    for n, day in enumerate(missed):
        # the server failed the last (no answer, 5xx): the rest at the next fetch, not its timeouts each
        if outcomes and outcomes[-1].down:
            stop = outcomes[-1]
            left_at = now - dt.timedelta(seconds=len(missed) - n)
            words = leave(store, source, asked[-1], missed[n:], left_at, now)
            outcomes[-1] = dataclasses.replace(stop, detail=stop.detail + words)
            break
        if day in failed and any(o.outcome == FAILED for o in outcomes):  # an outage: no storm
            missed_log.info(LEFT, source.name, day)
            continue
        at = now - dt.timedelta(seconds=len(missed) - n)
        out = fetch_source(config, store, http, source, at, day=day, named_at=now, **how)  # its file: now
        if out.outcome == FAILED and not out.stopped:  # said when no later fetch asks for it again
            kept = day not in {a.day for a in failed_before(store, source, own, GONE)}  # a day got before
            again = not_again(day, own, GONE in out.detail, kept)
            if again == KEPT:
                again = _kept(config, store, source, day)
            out = dataclasses.replace(out, detail=out.detail.removesuffix(AT_ITS_TIMES) + again)
        outcomes.append(out)
        asked.append(day)
        if outcomes[-1].stopped:  # SIGTERM, Ctrl-C: no more fetched
            break
    today = now.astimezone(ZoneInfo(config.timezone)).date()
    said = _behind(store, source, own, today, asked, outcomes)
    return (
        said if said and said[-1].stopped else [*said, fetch_source(config, store, http, source, now, **how)]
    )


def _kept(config: Config, store: Store, source: SourceConfig, day: dt.date) -> str:
    """What the failed catch-up of ``day`` by ``source``, its papers stored all the same, adds:
    missed_days.KEPT where its own earlier answer stored them, else whose they are (:data:`BY_ANOTHER`,
    :data:`BY_HAND`): before, "the papers of its earlier answer kept" of a source that never answered."""
    by = stored_by(store, source.name, source.resolved_url(day), source.kind, day)
    if by is None:
        return KEPT
    names = {safe(s.name): s.name for s in config.sources}  # as the config names it
    return BY_ANOTHER.format(names.get(by, by)) if by else BY_HAND


def _behind(
    store: Store,
    source: SourceConfig,
    own: dt.date,
    on: dt.date,
    days: list[dt.date],
    outcomes: list[FetchOutcome],
) -> list[FetchOutcome]:
    """``outcomes``, those of ``days`` (missed by ``source``, its own day ``own`` on the day ``on``),
    each failed one held back by an older one that failed too (missed_days.held_back) with when it
    is asked again (missed_days.behind), as `digest status` says it."""
    failed = [a.day for a in failed_before(store, source, own, GONE)]  # oldest first
    said = []
    for day, o in zip(days, outcomes, strict=True):
        older = [d for d in failed if d < day]
        waits = older and o.outcome == FAILED and held_back(outcomes, o)  # one that came waits for none
        said.append(dataclasses.replace(o, behind=behind(older, own, on)) if waits else o)
    return said


def fetch_all(
    config: Config,
    store: Store,
    http: Http,
    now: dt.datetime,
    names: tuple[str, ...] = (),
    progress: Progress | None = None,
    *,
    say_bugs: bool = True,
    say_failures: bool = True,
    retrying: Callable[[str, str], object] | None = None,
    day: dt.date | None = None,
) -> list[FetchOutcome]:
    """Fetch every configured source (or those named), one after the other; ``progress`` is
    told of each (each is also logged: one line per source). ``say_bugs``, ``say_failures``,
    ``retrying``, ``day``: as fetch_source; without ``day``, a source's own day comes after the
    days it missed (:func:`fetch_with_missed`), an outcome each."""
    chosen = [s for s in config.sources if not names or s.name in names]
    progress = progress or NO_PROGRESS
    progress.start("fetching", len(chosen))
    outcomes = []
    try:
        how: dict[str, Any] = {"say_bugs": say_bugs, "say_failures": say_failures, "retrying": retrying}
        for source in chosen:
            if day is None:  # the source's own day, after the days before it never asked for
                outcomes += fetch_with_missed(config, store, http, source, now, **how)
            else:
                outcomes.append(fetch_source(config, store, http, source, now, day=day, **how))
            progress.advance()
    finally:
        progress.finish()
    return outcomes
