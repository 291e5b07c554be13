"""What is kept of each source's fetches: the latest attempt of each, as `status` and the daemon read it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.ingest.fetch import FAILED, GONE, config_file
from digest.ingest.missed_days import any_day
from digest.store import Store

if TYPE_CHECKING:
    from digest.config import Config
    from digest.sources_config import SourceConfig


@dataclass(frozen=True)
class FetchRecord:
    source: str
    url: str
    attempted_at: dt.datetime
    outcome: str
    detail: str
    succeeded_at: dt.datetime | None
    retry_at: dt.datetime | None = None  # a failed fetch's server asked not to be asked before
    run_at: dt.datetime | None = None  # the time of the fetch run that made it (None: attempted_at)
    succeeded_run_at: dt.datetime | None = None  # and of the one that made succeeded_at (None: it)

    @property
    def ran(self) -> dt.datetime:
        """When the fetch run that made this attempt ran: a catch-up's is a second apart after it."""
        return self.run_at or self.attempted_at

    @property
    def succeeded_ran(self) -> dt.datetime | None:
        """When the fetch run of the last success ran (a catch-up's too): None, never succeeded."""
        return self.succeeded_run_at or self.succeeded_at

    @property
    def gone(self) -> bool:
        """A failed fetch answered 410 Gone: not tried again before the source's next fetch time."""
        return self.outcome == FAILED and GONE in self.detail


def last_fetches(store: Store) -> dict[str, FetchRecord]:
    """The latest attempt of each source, by source name."""
    rows = store.db.execute(
        "SELECT source, url, attempted_at, outcome, detail, succeeded_at, retry_at, run_at, succeeded_run_at "
        "FROM fetches ORDER BY attempted_at"
    ).fetchall()
    out = {}
    for source, url, at, outcome, detail, ok_at, retry_at, ran, ok_ran in rows:
        prev = out.get(source)
        succeeded = dt.datetime.fromisoformat(ok_at) if ok_at else None
        succeeded_ran = run_time(ok_at, ok_ran)
        if prev is not None and prev.succeeded_at and (succeeded is None or prev.succeeded_at > succeeded):
            # another day's URL of the same source succeeded later
            succeeded, succeeded_ran = prev.succeeded_at, prev.succeeded_run_at
        wait = dt.datetime.fromisoformat(retry_at) if retry_at else None
        attempted = dt.datetime.fromisoformat(at)
        out[source] = FetchRecord(
            source, url, attempted, outcome, detail, succeeded, wait, run_time(at, ran), succeeded_ran
        )
    return out


def rekeyed(record: FetchRecord, source: SourceConfig, config: Config) -> FetchRecord:
    """``record`` (``source``'s last fetch) with its note naming the key of the source's url as
    ``config`` has it now (SourceConfig.rekeyed: a source added, removed or moved above it since
    the fetch, the config's file moved): what `digest status`, `send` and the daemon's pass say."""
    return dataclasses.replace(
        record, detail=source.rekeyed(record.detail, config.sources, config_file(config))
    )


def sources_fetches(
    store: Store, sources: Sequence[SourceConfig], last: dict[str, FetchRecord] | None = None
) -> dict[str, FetchRecord]:
    """The latest attempt of each of ``sources`` (the config's), by its name now: the record of its
    name whose url is the source's (SourceConfig.holds), else the latest of another name with its
    url, said under its name now, else its name's of another url (a source given another url, its
    name kept): a source renamed in the config, its url the same, keeps its last fetch (`status`
    says it, the daemon does not fetch it again as a new one), as it keeps what it fetched; and two
    sources named by their places (url1, url2) swapped in the config each keep their own fetch,
    not the other's; nor is another source of the config whose url is the source's too (one API
    asked for yesterday's list and today's, `day:`) taken for it: its records are its own (by its
    name). ``last``: :func:`last_fetches`, read already (None: read here)."""
    last = last_fetches(store) if last is None else last
    out = {}
    for s in sources:
        own = last.get(s.name)
        if own is None or not s.holds(own.url):
            held = [r for r in last.values() if s.holds(r.url) and not _anothers(r.source, r.url, s, sources)]
            own = max(held, key=lambda r: r.attempted_at) if held else own
        if own is not None:
            out[s.name] = dataclasses.replace(own, source=s.name)
    return out


def url_day(source: SourceConfig, url: str) -> dt.date | None:
    """The day whose list ``url``, one of ``source``'s addresses (SourceConfig.holds), asks for;
    None: its url has no ``{date}``, or ``url`` is not one of them."""
    at = source.url.replace("{categories}", "+".join(source.categories)).find("{date}")
    try:
        return dt.date.fromisoformat(url[at : at + 10]) if at >= 0 and source.holds(url) else None
    except ValueError:
        return None


def taken_since(store: Store, source: SourceConfig) -> tuple[dt.date, str, dt.datetime] | None:
    """For ``source`` with no record under its name (:func:`sources_fetches` gives none, or another
    name's by its url): the day whose list it last asked for, by its name (fetch_names), whose
    address's record (one a url) another source took since with a later fetch of it (`day:
    yesterday` asking for the list `day: today` asked for the day before; that source renamed or
    removed since, its name then), that source's name and when; None: none. Its own fetch's time is
    not kept: before, `digest status` said the source "never fetched", or, the other renamed or
    removed, "fetched at" the other's time."""
    sql = (
        "SELECT url, source, attempted_at FROM fetches WHERE source != ? "
        "AND url IN (SELECT url FROM fetch_names WHERE source = ?) ORDER BY attempted_at DESC"
    )
    for url, other, at in store.db.execute(sql, (source.name, source.name)).fetchall():
        day = url_day(source, url)
        if day is not None:  # another name's since: of the config, or one renamed or removed since
            return day, other, dt.datetime.fromisoformat(at)
    return None


def own_fetch(store: Store, source: SourceConfig) -> tuple[dt.datetime, str] | None:
    """When ``source``'s latest record of its own name was made, and the address it asked; None: none
    (its rows all taken by another source's later ask of their address, or never fetched)."""
    sql = "SELECT attempted_at, url FROM fetches WHERE source = ? ORDER BY attempted_at DESC LIMIT 1"
    row = store.db.execute(sql, (source.name,)).fetchone()
    return (dt.datetime.fromisoformat(row[0]), row[1]) if row else None


def url_fetched(
    store: Store, source: SourceConfig, sources: Sequence[SourceConfig]
) -> tuple[dt.datetime, str] | None:
    """When ``source``'s url (of any day: SourceConfig.holds) was last fetched, under whatever name
    but that of another of ``sources`` (the config's) whose url holds it too (:func:`_anothers`: one
    API asked for yesterday's list and today's, `day:`), and the address it asked; None: never. What
    missed_days.last_fetched (by its names) misses of a source renamed, its url the same: the same
    source (README), whose stop is caught up as before; a source added beside another of its url is
    new (before, the other's fetch over a week ago was said its own: "today: not fetched since ...")."""
    sql = (
        "SELECT attempted_at, url, source FROM fetches WHERE url LIKE ? ESCAPE '!' ORDER BY attempted_at DESC"
    )
    rows = store.db.execute(sql, (any_day(source),)).fetchall()
    held = (r for r in rows if source.holds(r[1]) and not _anothers(r[2], r[1], source, sources))
    return next(((dt.datetime.fromisoformat(at), url) for at, url, _ in held), None)


def _anothers(name: str, url: str, source: SourceConfig, sources: Sequence[SourceConfig]) -> bool:
    """Whether a fetch of ``url`` recorded under ``name`` is another of ``sources``' than ``source``:
    one named so now whose url holds it (not one that only took a name ``source`` had: two sources
    named by their places, swapped)."""
    return any(o.name == name and o != source and o.holds(url) for o in sources)


def run_time(at: str | None, run_at: str | None) -> dt.datetime | None:
    """The time of the fetch run that recorded a fetch at ``at`` (attempted_at, succeeded_at), its
    record's ``run_at`` (succeeded_run_at, schema 38): None where it gives nothing but ``at``, the
    caller reading ``at`` as before (failed_days.made_at): a fetch's own day's record, one stored
    before schema 38 whose fetch's own record was gone by then (schema_steps.fetch_run_times), or a
    day's record a later run rewrote without its run time (a stopped catch-up's days left, never
    asked, by a release whose missed_days.leave wrote none), whose run_at is before ``at``."""
    if not at or not run_at:
        return None
    at_time, ran = dt.datetime.fromisoformat(at), dt.datetime.fromisoformat(run_at)
    return ran if ran > at_time else None
