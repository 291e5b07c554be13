"""The daily papers of days never asked for: the daemon (or the cron running `digest send`) was
not running on the day it would have fetched them. The daily papers API keeps each day's list
at its own address (``?date=``), and a pass asks only for its own day's (``day: yesterday``:
the day before), so a day missed was never fetched and its papers reached no one. Before its own
day, a pass asks for the days before it that were never asked for, back to the last that was
(a week at most; none for a source new to this database: it begins at its own day). A source
fetched before but not for over a week (the daemon stopped for ten days) asks for the whole week
before its own day, which the API still serves, and says the days before that week, never asked
for and not asked now (:data:`LOST`): before, it began at its own day and lost them all without a
word. A day whose last answer was given before the day was over (UTC: a `day: today` source asked in
the morning, its page not out yet or still filling) is asked once more at the first fetch after it
is over: the papers listed since reach the readers then (one whose answer held none of its papers,
not out yet or a weekend's, at each fetch until one after it is over: east of UTC a fetch's day
begins before the API's: nine hours of the next day's fetches in Tokyo; a list still filling asked
again at each fetch of that day would cost a request each time and still not be whole); if that
fails, a day whose papers the earlier answer brought (in the store) keeps them, the failure said and
the day not asked again (:data:`KEPT`: it was retried for a week as a day whose papers never came),
and one whose answer held none is a day that failed, as below. A day of that week
whose every fetch failed (a catch-up that met a 503, say; not a 410: gone for good; nor one whose
papers are in the store all the same, its dump loaded by hand once its UTC day was over: :func:`stored`;
one loaded during the day may hold only its first papers) is asked again,
at each fetch of the source, until a fetch of it succeeds or it is over a week old: its papers
never came. During an outage every day of the week fails in turn; asking each of them again at
every fetch (each with its retries, every 15 minutes) would send the API a storm when it is
least able to answer: once one day's fetch fails in a pass, the days that failed before are left
for the next fetch (:func:`failed_before`; the days never asked for are asked all the same: a
day never asked for that is older than the last one asked would not be asked again).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.config import SourceConfig
from digest.ingest.lost_days import (
    LOST,
    LOST_FAILED,
    LOST_GROWN,
    LOST_LEFT,
    LOST_NOT_OUT,
    LOST_PART,
    LOST_PART_NEVER,
    days_said,
    say_lost,
)
from digest.ingest.stored_days import (
    CATCH_UP,
    day_over,
    first_papers_only,
    recorded_over,
    stored,
    stored_at,
    whole_list,
)
from digest.store import Store
from digest.store_readers import iso

if TYPE_CHECKING:
    from digest.ingest.fetch import FetchOutcome

log = logging.getLogger(__name__)

# the days a fetch asks for before its own: never asked for, asked before the day was over (`day:
# today` asked early: its list not out yet or still filling), or asked and every fetch failed
MISSING = (
    "%s: the daily papers of %s may not all have come (never asked for, asked before their day was "
    "over, or their fetch failed): asking for them first"
)
EMPTY = "empty"  # a fetch's outcome: an answer without papers of the day (digest.ingest.fetch's)
FAILED = "failed"  # and one without an answer

# what a failed catch-up of a missed day adds when no later fetch asks for that day again
NOT_AGAIN = "not asked for again"
NOT_EVER = "not asked for"  # in its place for a day a stopped catch-up left (:data:`NOT_ASKED`): never asked
GONE_FOR_GOOD = f"; a day caught up on: {NOT_AGAIN}"  # in place of fetch.AT_ITS_TIMES
# in place of it, for a day asked once more after it was over whose papers its earlier answer brought
GREW = "the papers of its earlier answer kept (its list may have grown since)"
KEPT = f"; {GREW}: {NOT_AGAIN}"
AGED_OUT = f"; a week old, the oldest day caught up on: {NOT_AGAIN} after today"
# when a failed day is asked again if an older one failed too: that one first (fetch_with_missed);
# of one such day in the singular (:func:`behind`), of several in the plural
BEHIND = "once the days before it answer"
BEHIND_ONE = "once {} answers"  # the day named: "the day before it" would read as the calendar's
AT_EACH = "asked again at each fetch"  # a failed day of the week: at each fetch of its source
AT_EACH_LEFT = "asked for at each fetch"  # so a day a stopped catch-up left (:data:`NOT_ASKED`): not "again"


def behind(older: Sequence[dt.date], own: dt.date, today: dt.date) -> str:
    """When a failed day is asked again whose older failed days ``older`` (oldest first) hold it back
    (the source's own day ``own`` on ``today``): :data:`BEHIND` (:data:`BEHIND_ONE` of one), or from
    the day after the last one's last ask, a week after it, whatever they answer: `digest status` and
    `digest send` say it so."""
    free = older[-1] + dt.timedelta(days=CATCH_UP + 1) + (today - own)
    if len(older) == 1:
        return f"{BEHIND_ONE.format(older[-1])} or, that day a week old, from {free}"
    return f"{BEHIND} or, theirs a week old, from {free}"


# a day that failed before, left for the next fetch once a day failed in this one (an outage)
LEFT = "%s: %s failed before and a day failed now: asked at the next fetch"


# a catch-up stopped at a day whose fetch the server failed (no answer, no connection, 5xx): the
# days after it are not asked for now (each would cost its tries' timeouts too), but at the next
# fetches, each once the days before it answer, or a week old (daemon.failed_days says when)
STOPPED = (
    "; the server failing, the catch-up stops: the daily papers of %s are not asked for now: "
    "`digest status` says when"
)
# the record of each of them not asked for before (a day that failed: `digest status` says when it is
# asked), or only left by an earlier stop: renewed, its words true of the last fetch
NOT_ASKED = "not asked for: the catch-up stopped at %s, the server failing"
_LEFT = NOT_ASKED.split("%s")[0]  # how the record of a day left so begins: no fetch of the day since


def left_by_stop(detail: str) -> bool:
    """Whether a failed day's record ``detail`` is :func:`leave`'s: the day was never asked for."""
    return detail.startswith(_LEFT)


def leave(
    store: Store,
    source: SourceConfig,
    stopped: dt.date,
    days: Sequence[dt.date],
    at: dt.datetime,
    ran: dt.datetime,
) -> str:
    """Leave ``days`` (oldest first) for ``source``'s next fetch, its catch-up stopped at ``stopped``
    (the server failed): each never asked for is recorded as a day whose fetch failed, so the next
    fetch asks for it (else one older than a day asked since would be lost: :func:`missed_days`);
    one asked before keeps its record, one left before is left now, recorded at ``at`` (a second
    apart before the fetch run) with the run's time ``ran`` (its run_at: what status and a pass say
    it at, also when the run's own day was then stopped, not recorded). What the stopped day's line
    adds (:data:`STOPPED`)."""
    left = _LEFT + "%"  # a record of leave's: no fetch of the day since
    with store.transaction() as db:
        for day in days:
            url = source.resolved_url(day)
            db.execute(
                "INSERT INTO fetches (url, source, attempted_at, outcome, detail, run_at) "
                "VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(url) DO UPDATE SET attempted_at = excluded.attempted_at, "
                "detail = excluded.detail, run_at = excluded.run_at WHERE fetches.detail LIKE ?",
                (url, source.name, iso(at), FAILED, NOT_ASKED % stopped, iso(ran), left),
            )
            sql = "INSERT INTO fetch_names (url, source) VALUES (?, ?) ON CONFLICT DO NOTHING"
            db.execute(sql, (url, source.name))
    return STOPPED % days_said(days)


def not_again(day: dt.date, own: dt.date, gone: bool, kept: bool = False) -> str:
    """What the failed catch-up of ``day`` (the source's own day: ``own``) adds when the source's
    next fetch will not ask for it again: a 410, a day asked once more whose papers an earlier
    answer brought (``kept``), or a day that leaves the week looked back at tomorrow; "" when it
    will (missed_days)."""
    if gone:
        return GONE_FOR_GOOD
    if kept:
        return KEPT
    return AGED_OUT if day <= own - dt.timedelta(days=CATCH_UP) else ""


@dataclass(frozen=True)
class Asked:
    """A day of the week before a source's own whose daily papers it asked for."""

    day: dt.date
    got: bool  # a fetch succeeded, the last failed with a 410 (gone for good), or its papers are stored
    url: str
    attempted_at: dt.datetime  # its last fetch
    detail: str  # and what it said
    early: bool = False  # its last answer was given before the day was over: its list may have grown
    empty: bool = False  # and held no papers of the day (not out yet)


def _asked(
    store: Store, source: SourceConfig, day: dt.date, gone: str, days_back: int = CATCH_UP
) -> dict[dt.date, Asked]:
    """The days of the week (``days_back`` days) before ``day`` whose daily papers ``source`` asked
    for (a detail that holds ``gone``: the last fetch failed with a 410)."""
    if not _by_day(source):
        return {}
    days = [day - dt.timedelta(days=back) for back in range(1, days_back + 1)]
    urls = {source.resolved_url(d): d for d in days}
    marks = ", ".join("?" * len(urls))
    sql = f"SELECT url, succeeded_at, detail, attempted_at, outcome FROM fetches WHERE url IN ({marks})"
    asked = {}
    for url, ok, why, at, outcome in store.db.execute(sql, tuple(urls)).fetchall():
        d, when = urls[url], dt.datetime.fromisoformat(at)
        over = recorded_over(d)  # a catch-up at 00:00 UTC recorded before it: over all the same
        early = outcome != FAILED and when < over  # `day: today` asked in the morning: not all out yet
        # asked once more, after its day, and that failed: its answer of the morning is not the day's
        held = stored_at(store, source.kind, d)  # a listing of its papers stored last: when (None: none)
        again = outcome == FAILED and ok is not None and dt.datetime.fromisoformat(ok) < over
        again = again and held is None  # the papers it brought then are kept
        # a day whose dump was loaded by hand (`digest ingest`) once its UTC day was over is got, whatever
        # its fetches; one loaded before may hold only the papers listed by then: asked again for the rest
        got = (ok is not None and not again) or gone in why or whole_list(held, d)
        asked[d] = Asked(d, got, url, when, why, early, outcome == EMPTY)
    return asked


def any_day(source: SourceConfig) -> str:
    """A LIKE pattern (escaped with ``!``) of ``source``'s url of any day: SourceConfig.holds'
    candidates; it decides."""
    address = source.url.replace("{categories}", "+".join(source.categories))
    return re.sub(r"([!%_])", r"!\1", address).replace("{date}", "%")


def first_asked(store: Store, source: SourceConfig) -> dt.date | None:
    """The earliest day whose list ``source``'s address (SourceConfig.holds) was asked for, under
    whatever name (another source of it: one API asked for yesterday's list and today's, `day:`);
    None: none, or its url has no ``{date}``."""
    at = source.url.replace("{categories}", "+".join(source.categories)).find("{date}")
    sql = "SELECT url FROM fetches WHERE url LIKE ? ESCAPE '!'"
    rows = store.db.execute(sql, (any_day(source),)).fetchall() if at >= 0 else []
    days = [url[at : at + 10] for (url,) in rows if source.holds(url)]
    return dt.date.fromisoformat(min(days)) if days else None


def _by_day(source: SourceConfig) -> bool:
    """Whether ``source`` keeps each day's list at its own address: a daily papers API's ``{date}``."""
    return source.kind == "hf_daily" and "{date}" in source.url


def looked_back(store: Store, source: SourceConfig, day: dt.date, gone: str) -> list[Asked]:
    """The days of the week and a day (:data:`CATCH_UP` + 1) before ``day`` whose daily papers
    ``source`` asked for, read once for :func:`failed_before`, :func:`early_only` and
    :func:`loaded_in_part` (``asked``) of the same days."""
    return list(_asked(store, source, day, gone, CATCH_UP + 1).values())


def failed_before(
    store: Store,
    source: SourceConfig,
    day: dt.date,
    gone: str,
    days_back: int = CATCH_UP,
    asked: Iterable[Asked] | None = None,
) -> list[Asked]:
    """The days of the week (``days_back`` days) before ``day`` whose daily papers ``source`` asked
    for and never got, oldest first: each asked again at the source's fetches until it is over a
    week old. ``asked``: those days' :class:`Asked`, read already (None: read here)."""
    if asked is None:
        asked = _asked(store, source, day, gone, days_back).values()
    return sorted((a for a in asked if not a.got), key=lambda a: a.day)


def early_only(
    store: Store, source: SourceConfig, day: dt.date, gone: str, asked: Iterable[Asked] | None = None
) -> list[Asked]:
    """The days of the week and a day (:data:`CATCH_UP` + 1) before ``day`` that ``source`` asked for
    only before they were over (not out yet, or its list still filling), oldest first; not one whose
    whole list is stored all the same (its dump loaded by hand once its UTC day was over), nor one not
    out then whose papers were loaded by hand at all (they came: :func:`missed_days`' long stop).
    ``asked``: those days' :class:`Asked`, read already (None: read here)."""
    if asked is None:
        asked = _asked(store, source, day, gone, CATCH_UP + 1).values()
    # a listing of the day stored at all, when our answer held none (not out): loaded by hand
    early = (a for a in asked if a.got and a.early and not stored(store, source.kind, a.day, not a.empty))
    return sorted(early, key=lambda a: a.day)


def last_fetched(store: Store, source: SourceConfig) -> tuple[dt.datetime, str, bool] | None:
    """When ``source`` (by any name its addresses were fetched under) was last fetched, the address
    it asked, and whether that time is another name's later ask of the same address (True: the
    address's record, one a url, was taken by another source of its API since: `day: yesterday`
    asking for the list `day: today` asked for the day before; its own fetch was before it, when
    is not kept); None: never."""
    sql = (
        "SELECT attempted_at, url, source FROM fetches WHERE source = ? "
        "OR url IN (SELECT url FROM fetch_names WHERE source = ?) ORDER BY attempted_at DESC LIMIT 1"
    )
    row = store.db.execute(sql, (source.name, source.name)).fetchone()
    return (dt.datetime.fromisoformat(row[0]), row[1], row[2] != source.name) if row else None


def day_asked(source: SourceConfig, url: str, by_now: dt.date) -> dt.date:
    """The day whose list a fetch of ``source`` at ``url`` asked for: ``by_now`` (its day by the
    source's `day` now), or the day next to it whose address ``url`` is (`day` changed since,
    yesterday to today or back: else a day never asked for went unsaid, or one asked was said)."""
    one = dt.timedelta(days=1)
    return next((d for d in (by_now, by_now + one, by_now - one) if source.resolved_url(d) == url), by_now)


def partly_loaded(store: Store, source: SourceConfig, a: Asked) -> bool:
    """Whether the day ``a`` whose fetch failed (never asked: a stopped catch-up's, not one), or
    whose answer held none of its papers, has them in the store only from a listing loaded by hand
    before it was over (:func:`stored`: it may hold only its first papers): neither "never came" nor
    whole."""
    if left_by_stop(a.detail) or not (not a.got or (a.early and a.empty)):
        return False
    return first_papers_only(store, source.kind, a.day)


def loaded_in_part(
    store: Store, source: SourceConfig, day: dt.date, gone: str, asked: Iterable[Asked] | None = None
) -> list[Asked]:
    """The days of the week and a day (:data:`CATCH_UP` + 1) before ``day`` whose papers came only
    from a listing loaded by hand before they were over (:func:`partly_loaded`), oldest first.
    ``asked``: those days' :class:`Asked`, read already (None: read here)."""
    if asked is None:
        asked = _asked(store, source, day, gone, CATCH_UP + 1).values()
    return sorted((a for a in asked if partly_loaded(store, source, a)), key=lambda a: a.day)


def missed_days(
    store: Store,
    source: SourceConfig,
    day: dt.date,
    gone: str,
    now: dt.datetime,
    before: tuple[dt.datetime, dt.date, bool] | None = None,
    others_from: dt.date | None = None,
) -> list[dt.date]:
    """The days before ``day`` whose daily papers ``source`` never asked for, or asked for and never
    got (every fetch of it failed, the last not a 410: its record's detail holds no ``gone``,
    digest.ingest.fetch.GONE), or last asked before they were over and over at ``now`` (not out
    then: over or not), oldest first. ``before``: the source's last fetch, its own day then, and
    whether that time is another source's later ask of its address (:func:`last_fetched`; None:
    never fetched), for a source idle longer than the week: the whole week, the days before it
    said lost; ``others_from``: the oldest day another source of its address (`day: yesterday` beside
    `day: today`) asks for at its fetches (its week): not said lost by this one, but asked by it."""
    days = [day - dt.timedelta(days=back) for back in range(1, CATCH_UP + 1)]
    asked = _asked(store, source, day, gone)
    got = {d: a.got for d, a in asked.items()}
    if not got and (before is None or before[1] >= days[-1] or not _by_day(source)):
        return []  # a new source (fetched for its own day only, if at all): it begins at its own day
    # fetched before, but not for over a week: the week, and the days before it said; also when another
    # source of its address asked for a day of the week since (`day: today` beside it: its records are
    # the address's), else the days before the week, never asked for by either, went unsaid
    if before is not None and before[1] < days[-1] and _by_day(source):
        at, then, taken = before
        lost = [then + dt.timedelta(days=n) for n in range(1, (days[-1] - then).days)]
        in_part = [d for d in lost if first_papers_only(store, source.kind, d)]  # some came, not "again"
        lost = [d for d in lost if not stored(store, source.kind, d)]  # loaded by hand: they came (or some)
        lost = [d for d in lost if others_from is None or d < others_from]  # the other's week: its to ask
        # its last fetch's time not kept (another source's later ask of its address took the record):
        # the day it asked for, not the other's time (before: "today: not fetched since" yesterday's fetch)
        since = f"it asked for the list of {then}" if taken else f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        # the days that fetch looked back at, and its own, that failed: out of the week now
        looked = _asked(store, source, then + dt.timedelta(days=1), gone, CATCH_UP + 1).values()
        week = sorted((a for a in looked if not stored(store, source.kind, a.day)), key=lambda a: a.day)
        failed = [a for a in week if not a.got]  # as failed_before; not loaded by hand since (they came)
        asked_then = [a.day for a in failed if not left_by_stop(a.detail)]
        if asked_then:
            say_lost(LOST_FAILED, source.name, since, asked_then)
        left = [a.day for a in failed if left_by_stop(a.detail)]  # never asked: a stopped catch-up's
        if left:
            say_lost(LOST_LEFT, source.name, since, left)
        # its answer, given before the day was over, held none of its papers: asked again after it, had a
        # fetch come then
        not_out = [a.day for a in week if a.got and a.early and a.empty]
        if not_out:
            say_lost(LOST_NOT_OUT, source.name, since, not_out)
        # and one whose answer held some (its list still filling): its papers kept, the rest never came
        early_then = early_only(store, source, then + dt.timedelta(days=1), gone, looked)
        grown = [a.day for a in early_then if not a.empty]  # oldest first
        if grown:
            say_lost(LOST_GROWN, source.name, since, grown)
        # a failed day, or one not out, whose dump was loaded by hand during it (not said above: stored)
        part = [a.day for a in sorted(looked, key=lambda a: a.day) if partly_loaded(store, source, a)]
        if part:
            say_lost(LOST_PART, source.name, since, part)
        if in_part:
            say_lost(LOST_PART_NEVER, source.name, since, in_part)
        if lost:
            say_lost(LOST, source.name, since, lost)
    # the last day asked for (none in the week: the day before it): those after it never were
    last = max(got) if got else days[-1] - dt.timedelta(days=1)
    # and one before it never asked for either, once its address was (another source of it asked for the
    # days after it: `day: today` beside `day: yesterday`); before its address's first day: not its own
    unasked = [d for d in days if d < last and d not in got]
    first = first_asked(store, source) if unasked else None
    never = {d for d in unasked if first is not None and d > first}
    # asked once more, once over (not out yet when asked: at once)
    early = {d for d, a in asked.items() if a.early and (a.empty or now >= day_over(d))}
    missed = sorted(d for d in days if d > last or not got.get(d, True) or d in early or d in never)
    if missed:
        said = ", ".join(d.isoformat() for d in missed)
        log.info(MISSING, source.name, said)
    return missed


def held_back(outcomes: Sequence[FetchOutcome], failed: FetchOutcome) -> bool:
    """Whether ``failed``, the failed fetch of a day a source missed, among ``outcomes`` (a fetch's:
    each source's missed days oldest first, then its own), waits at the source's next fetch for an
    older day that failed in the same fetch and is asked again then: that one is asked first, and
    if it fails again ``failed`` is left for the fetch after it (ingest.fetch_all.fetch_with_missed)."""
    at = next(n for n, o in enumerate(outcomes) if o is failed)
    return any(
        o.source == failed.source and o.outcome == FAILED and not o.stopped and NOT_AGAIN not in o.detail
        for o in outcomes[:at]
    )
