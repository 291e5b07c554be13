"""When the daemon fetches each source: at its ``when`` times, or ``before_minutes`` before the
readers' send times. While the readers it was fetched for may wait for it (:func:`window`), a
failed fetch is tried again after ``RETRY_FAILED``, and a listing with no papers is asked for
again after ``RETRY_EMPTY``: on a weekend that costs a few conditional requests (304), and a
listing that was not out yet (a feed updated late, ``day: today`` asked early) or a source
that was down still reaches them. After that, the source waits for its next moment.

``latest_fetch_moment`` is pure (profiles, a moment); ``fetch_due`` reads the last attempts from
the store and fetches what is due, through the same ``fetch_source`` as `digest fetch`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from digest.config import Config, SourceConfig
from digest.ingest.fetch import EMPTY, FAILED, FetchOutcome
from digest.ingest.fetch_all import fetch_with_missed
from digest.ingest.fetch_records import FetchRecord, rekeyed, sources_fetches
from digest.ingest.http import ARXIV_HOSTS, ARXIV_PACE, DEADLINE, Http
from digest.models import Profile
from digest.slots import due_slot, latest_slot, next_slot
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


def window(source: SourceConfig, grace: dt.timedelta) -> dt.timedelta | None:
    """How long after its moment a failed or empty fetch is tried again: for a source fetched
    ``before_minutes`` before the readers' send time, until that send time's grace period ends;
    for one fetched at its ``when`` times (not tied to any send time), until the next of them
    (None)."""
    return None if source.when else grace + dt.timedelta(minutes=source.before_minutes)


def is_due(
    moment: dt.datetime | None, last: FetchRecord | None, now: dt.datetime, retries_for: dt.timedelta | None
) -> bool:
    if moment is None:
        return False
    if last is None:
        return True
    if last.outcome == FAILED and last.retry_at is not None and now < last.retry_at:
        return False  # the server asked us to wait (Retry-After) longer than a fetch waits
    if last.attempted_at < moment:
        return True
    if retries_for is not None and now - moment > retries_for:
        return False  # the readers it was fetched for are served: wait for the next moment
    if last.outcome == EMPTY:  # nothing listed yet: ask again, slower, while readers wait for it
        return now - last.attempted_at >= RETRY_EMPTY
    if last.outcome == FAILED:  # (even after an empty answer since the moment); gone: its next moment
        return not last.gone and now - last.attempted_at >= RETRY_FAILED
    return False  # papers (or a 304 to them) since the moment


BACKOFF = 2.0  # s: Http's first wait between a source's tries (doubling after each)
MAX_WAIT = 120.0  # s: Http's longest wait between tries: one longer ends the fetch (no more tries)


def pace(source: SourceConfig) -> float:
    """The longest a try of ``source`` waits for its host's pace before it is made (Http._pace):
    ARXIV_PACE for an arXiv host's, asked ARXIV_PACE after the request before it (another
    source's too: several categories fetched one after the other), else none."""
    return ARXIV_PACE if (urlsplit(source.url).hostname or "").lower() in ARXIV_HOSTS else 0.0


def fetch_time(source: SourceConfig) -> float:
    """The longest a fetch of ``source`` takes while it is still retrying (Http.get): each of its
    tries a timeout long after its host's pace (:func:`pace`), and the doubling waits between
    them, up to the first longer than MAX_WAIT, where Http gives up (retries 10: 7 tries, not 11).
    Not counted: an answer dribbled in (refused at DEADLINE x the timeout, not tried again), a
    server's Retry-After (MAX_WAIT at most), the daily papers API's further pages."""
    waits = [BACKOFF * 2**n for n in range(source.retries)]
    waits = [w for w in waits if w <= MAX_WAIT]  # doubling: the first longer ends the tries
    return (len(waits) + 1) * (pace(source) + source.timeout_seconds) + sum(waits)


def quiet_time(source: SourceConfig) -> float:
    """The longest a worker at work fetching ``source`` says nothing to the database: one try (an
    answer dribbled in, up to DEADLINE x the timeout), its host's pace before it (:func:`pace`)
    and the wait before that (MAX_WAIT at most, ours or a server's Retry-After), fetch_source
    speaking to it at each try made again. Longer: that worker is stopped or hung."""
    return pace(source) + DEADLINE * source.timeout_seconds + (MAX_WAIT if source.retries else 0.0)


def longest_fetch(source: SourceConfig) -> float:
    """The longest a fetch of ``source`` may take at all: every try dribbled in to its deadline after
    its host's pace, every wait MAX_WAIT long (Retry-After)."""
    tries = source.retries + 1
    return tries * (pace(source) + DEADLINE * source.timeout_seconds) + source.retries * MAX_WAIT


def fetch_alive(config: Config) -> tuple[float, float]:
    """A worker fetching any of ``config``'s sources: the longest it is silent at work
    (:func:`quiet_time`), and the longest its fetch of every source may take (:func:`longest_fetch`)."""
    return max(map(quiet_time, config.sources), default=0.0), sum(map(longest_fetch, config.sources))


def patience_for(sources: Sequence[SourceConfig], least: float) -> float:
    """How long to wait for another worker's fetch of ``sources`` (one after the other): as long as
    they may take while still retrying, ``least`` at the least."""
    return max(least, sum(map(fetch_time, sources)))


def due_now(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    last: Mapping[str, FetchRecord] | None = None,
) -> list[SourceConfig]:
    """The sources a pass at ``now`` fetches (its first step, before any digest): those whose latest
    moment, for any of ``profiles`` (the readers it looks at) or at their ``when`` times, has come
    and that were not fetched since (:func:`is_due`); what `digest send --dry-run`, which fetches
    nothing, says it would fetch. ``last``: each source's last fetch, read by the caller (None:
    read here)."""
    if not config.sources:
        return []
    last, grace = sources_fetches(store, config.sources) if last is None else last, config.scheduler.grace
    return [
        s
        for s in config.sources
        if is_due(
            latest_fetch_moment(s, profiles, config.timezone, now), last.get(s.name), now, window(s, grace)
        )
    ]


def failed_for(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    fetched: Collection[str],
    last: Mapping[str, FetchRecord] | None = None,
) -> list[FetchRecord]:
    """The last fetch of each source that failed since its moment for ``profiles`` (the readers
    whose digests are made now), of the sources not fetched now (``fetched``: the names of those
    fetched): in their wait before they are tried again (RETRY_FAILED, a server's Retry-After) or
    past the time these readers wait for them, so the digests made now go without them. No digest
    made: none goes without them (a source's ``when`` times come whoever is served). ``last``: as
    :func:`due_now`'s. Each note names the key of its source's url as the config is now
    (fetch_records.rekeyed: a source added, removed or moved above it since the fetch)."""
    if not profiles:
        return []
    last = sources_fetches(store, config.sources) if last is None else last
    found = []
    for s in config.sources:
        f = last.get(s.name)
        if s.name in fetched or f is None or f.outcome != FAILED:
            continue  # the readers' moments looked at only for a source that failed (of every reader's)
        moment = latest_fetch_moment(s, profiles, config.timezone, now)
        if moment is not None and f.attempted_at >= moment:
            found.append(rekeyed(f, s, config))
    return found


def fetched_before_send(
    config: Config,
    store: Store,
    profile: Profile,
    now: dt.datetime,
    history: str | None = None,
    readers: Sequence[Profile] = (),
) -> list[tuple[SourceConfig, dt.datetime]]:
    """The sources the daemon fetches before ``profile``'s next digest goes out, not fetched for
    it yet, each with when (``now``: due now, the next pass's first step): what they bring may be
    in that email and is not in a preview taken now. Due now is what the pass finds due
    (:func:`due_now`, for ``profile`` and ``readers``, the others it looks at: a source due for
    another reader's send is fetched before this reader's digest too); else a source is fetched
    for it ``before_minutes`` ahead of its send (its slot due now, else its next slot not done),
    or at its ``when`` times up to it. ``history``: the name whose schedule state the reader has
    (a renamed file not carried over yet: the old name)."""
    if not config.sources or profile.paused:
        return []
    state = store.schedule_state(history or profile.user)
    period, last_at = state if state else (None, None)
    slot = due_slot(profile, now, period, config.scheduler.grace, last_at) or next_slot(
        profile, now, period, last_at
    )
    if slot is None:
        return []
    due = {s.name for s in due_now(config, store, [profile, *readers], now)}
    found = []
    for s in config.sources:
        if s.when:  # its latest time up to the send
            moment = latest_fetch_moment(s, [], config.timezone, max(slot.at, now))
        else:
            moment = slot.at - dt.timedelta(minutes=s.before_minutes)
        if s.name in due or (moment is not None and moment > now):
            found.append((s, now if s.name in due else moment))
    return found


def fetch_due(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    http: Http | None = None,
    stop: threading.Event | None = None,
    *,
    say_bugs: bool = True,
    say_failures: bool = True,
    beat: Callable[[], None] | None = None,
    retrying: Callable[[str, str], object] | None = None,
) -> list[FetchOutcome]:
    """Fetch every source whose moment has come and that has not been fetched since; once
    ``stop`` is set (SIGTERM), the fetch under way gives up and no other starts. ``say_bugs``,
    ``say_failures``, ``retrying``: as digest.ingest.fetch.fetch_source (False: the caller says them);
    ``beat``: called after each source (the worker seen again: a slow source is no killed worker)."""
    due = due_now(config, store, profiles, now)
    if not due:
        return []
    own = http is None
    client = http or Http(stop=stop, backoff=BACKOFF, max_wait=MAX_WAIT)
    outcomes = []
    try:
        for s in due:
            if stop is not None and stop.is_set():
                break
            outcomes += fetch_with_missed(  # the days before its own it never asked for first
                config,
                store,
                client,
                s,
                now,
                say_bugs=say_bugs,
                say_failures=say_failures,
                retrying=retrying,
            )
            if beat is not None:
                beat()
        return outcomes
    finally:
        if own:
            client.close()
