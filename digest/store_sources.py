"""Which sources a digest made now takes papers from: the config's ``sources:`` (a source
renamed there, its url the same, with what it fetched under its old name) and the dumps
dropped in the inbox; what a source taken out of the config fetched stays in the archive."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from digest.fetched_names import fetched_source, safe
from digest.store_chunks import in_chunks
from digest.store_readers import iso

if TYPE_CHECKING:
    from digest.sources_config import SourceConfig

_DAY = r"\d{4}-\d\d-\d\d"  # a url's {date}, as SourceConfig.resolved_url fills it in
_CATEGORIES = r"([A-Za-z.+-]*)"  # a url's {categories}: cs.CL+cs.LG


class ListingSources:
    """The ``fetches``, ``listings`` and ``listing_fetches`` tables read by source; the connection is
    the Store's."""

    db: Any  # sqlite3.Connection, or digest.db.PgConnection that speaks like one

    def fed_sources(self, sources: Sequence[SourceConfig]) -> tuple[str, ...]:
        """The names of ``sources`` (the config's), and the names a url of one of them was
        fetched under before (a source renamed: its listings kept the old name's files, whatever
        the new name's fetch of the url since: a 304, a failure), a url's ``{categories}`` then
        any of the source's categories now (an arxiv_listing widened: arxiv-cs.LG's listings go
        on in arxiv-cs.LG+cs.CL's digests; narrowed, arxiv-cs.LG+cs.CL's do not in arxiv-cs.LG's)."""
        names = {s.name for s in sources}
        earlier = [_EarlierUrl(s) for s in sources]
        for name, url in self.db.execute("SELECT source, url FROM fetch_names").fetchall():
            if name not in names and any(e.fetched(url) for e in earlier):
                names.add(name)
        return tuple(sorted(names))

    def listings_newest_first(
        self, up_to: dt.date | None, ingested_by: dt.datetime | None
    ) -> Iterator[tuple[int, str, str]]:
        """The listings (id, source, day) dated on or before ``up_to`` and ingested by ``ingested_by``,
        the newest day first (of a day, the last stored first), read a page at a time along the index
        listings_day: a caller that stops at the week it keeps reads no more of the archive (on
        PostgreSQL a query's rows all come at once, whether read or not). A listing fetched by two
        sources by then (the same bytes: a mirror) comes once for each (listing_fetches), the
        latest fetch first."""
        after: tuple[str, int] = ((up_to or dt.date.max).isoformat(), LAST_ID)
        bound, page = ingested_bound(ingested_by), 64
        while True:
            rows = self.db.execute(NEWEST_LISTINGS, (*after, bound, page)).fetchall()
            fetched: dict[int, list[str]] = {}
            for chunk, marks in in_chunks([row[0] for row in rows]):
                found = self.db.execute(LISTING_FETCHES.format(marks=marks), (*chunk, bound)).fetchall()
                for listing, path in found:
                    fetched.setdefault(int(listing), []).append(path)
            for listing, source, day in rows:  # and the source that stored it, by then too: a listing
                # stored by a release before schema 39 still running as it upgraded has no fetch row
                own = fetched.get(int(listing), [])
                yield from ((listing, each, day) for each in own + [source] * (source not in own))
            if len(rows) < page:
                return
            after, page = (rows[-1][2], rows[-1][0]), page * 2

    def latest_paper_day(self) -> dt.date | None:
        """The latest of the papers' days (a paper's: its latest listing's; listed in none, the day
        it was first seen): the newest listing of a paper, along listings_day, or such a paper's."""
        listed = self.db.execute(
            "SELECT l.day FROM listings l WHERE EXISTS (SELECT 1 FROM listing_papers lp WHERE "
            "lp.listing_id = l.id) ORDER BY l.day DESC, l.id DESC LIMIT 1"
        ).fetchone()
        later = "p.first_seen > ?" if listed else "1 = 1"  # later than it, or no listing has any paper
        unlisted = self.db.execute(
            f"SELECT MAX(p.first_seen) FROM papers p WHERE {later} AND {UNLISTED}", listed or ()
        ).fetchone()
        days = [row[0] for row in (listed, unlisted) if row and row[0]]
        return dt.date.fromisoformat(max(days)) if days else None

    def latest_day(
        self, paper_ids: Iterable[int], up_to: dt.date | None = None, ingested_by: dt.datetime | None = None
    ) -> dt.date | None:
        """The latest listing day (on or before ``up_to``; among the listings ingested by
        ``ingested_by``) in which any of these papers stood."""
        ids = list(paper_ids)
        days = []
        for chunk, marks in in_chunks(ids):
            row = self.db.execute(
                "SELECT MAX(l.day) FROM listings l JOIN listing_papers lp ON lp.listing_id = l.id "
                f"WHERE lp.paper_id IN ({marks}) AND l.day <= ? AND l.ingested_at <= ?",
                [*chunk, (up_to or dt.date.max).isoformat(), ingested_bound(ingested_by)],
            ).fetchone()
            if row and row[0]:
                days.append(row[0])
        return dt.date.fromisoformat(max(days)) if days else None

    def listing_days(
        self, paper_ids: Iterable[int], up_to: dt.date | None = None, ingested_by: dt.datetime | None = None
    ) -> dict[int, dt.date]:
        """Each paper's latest listing day (on or before ``up_to``, by ``ingested_by``):
        :meth:`latest_day` of many sets of papers from one query (the day of a set is the
        latest of its papers')."""
        ids = sorted(set(paper_ids))
        days: dict[int, dt.date] = {}
        for chunk, marks in in_chunks(ids):
            rows = self.db.execute(
                "SELECT lp.paper_id, MAX(l.day) FROM listings l "
                "JOIN listing_papers lp ON lp.listing_id = l.id "
                f"WHERE lp.paper_id IN ({marks}) AND l.day <= ? AND l.ingested_at <= ? GROUP BY lp.paper_id",
                [*chunk, (up_to or dt.date.max).isoformat(), ingested_bound(ingested_by)],
            ).fetchall()
            days.update((int(r[0]), dt.date.fromisoformat(r[1])) for r in rows if r[1])
        return days

    def last_ingest(self) -> tuple[str, dt.date, dt.datetime] | None:
        """The listing stored last (its source, day, and when): the last row, not the latest
        ``ingested_at``, a fetch's catch-ups being recorded a second apart before it (another
        source's catch-up stored after a source's own day is stored last, though dated before it)."""
        row = self.db.execute(
            "SELECT source, day, ingested_at FROM listings ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return row[0], dt.date.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2])

    def untaken_by(self, day: dt.date, sources: Sequence[SourceConfig]) -> tuple[str, ...] | None:
        """None if a listing dated on or before ``day`` is of a source a digest takes now (one
        of ``sources``, the config's: :meth:`fed_sources`; the inbox's dumps); else the sources
        of those listings (none: no listing is stored by then), which a digest does not take."""
        fed, listed = {"", *(safe(name) for name in self.fed_sources(sources))}, set()
        for _, path, _ in self.listings_newest_first(day, None):  # the newest taken ends it: not them all
            if (source := fetched_source(path)) in fed:
                return None
            listed.add(source)
        return tuple(sorted(listed))

    def listed_from(
        self,
        paper_ids: Iterable[int],
        sources: Collection[str],
        up_to: dt.date | None = None,
        ingested_by: dt.datetime | None = None,
    ) -> set[int]:
        """Those of ``paper_ids`` with a listing (on or before ``up_to``, ingested by
        ``ingested_by``) of one of ``sources`` (names in the config) or of the inbox's dumps."""
        kept = {"", *(safe(s) for s in sources)}
        return {paper for paper, source in self._listed_by(paper_ids, up_to, ingested_by) if source in kept}

    def fed_beside(self, message: int, made_at: dt.datetime, sources: Collection[str]) -> set[str]:
        """The sources (as their files name them) beside ``sources`` (and the inbox's dumps)
        that fed the digest stored as outbox message ``message``, made at ``made_at``: those of the
        listings stored by then of the papers it held (or became since, merged) that none of
        ``sources`` listed (a source taken out of the config since it was made)."""
        row = self.db.execute("SELECT paper_ids FROM outbox WHERE id = ?", (message,)).fetchone()
        ids = set(json.loads(row[0])) if row is not None and row[0] else set()
        if ids:
            marks = ",".join("?" * len(ids))
            merged = f"SELECT paper_id FROM paper_merges WHERE old_id IN ({marks})"
            ids |= {int(r[0]) for r in self.db.execute(merged, tuple(ids)).fetchall()}
        listed = self._listed_by(ids, None, made_at)
        kept = {"", *(safe(s) for s in sources)}
        explained = {paper for paper, source in listed if source in kept}
        return {source for paper, source in listed if paper not in explained}

    def _listed_by(
        self, paper_ids: Iterable[int], up_to: dt.date | None, ingested_by: dt.datetime | None
    ) -> set[tuple[int, str]]:
        """Each of ``paper_ids`` with the source of each of its listings (on or before ``up_to``,
        ingested by ``ingested_by``): its name as its files have it, '' for the inbox's dumps."""
        ids = sorted(set(paper_ids))
        listed: set[tuple[int, str]] = set()
        for chunk, marks in in_chunks(ids):
            bounds = [*chunk, (up_to or dt.date.max).isoformat(), ingested_bound(ingested_by)]
            rows = self.db.execute(  # the source that stored the listing (one stored by a release before
                # schema 39 as it upgraded has no fetch row) and each that fetched it by then
                "SELECT lp.paper_id, l.source FROM listings l JOIN listing_papers lp ON lp.listing_id = l.id "
                f"WHERE lp.paper_id IN ({marks}) AND l.day <= ? AND l.ingested_at <= ? "
                "UNION SELECT lp.paper_id, f.source FROM listings l "
                "JOIN listing_papers lp ON lp.listing_id = l.id "
                "JOIN listing_fetches f ON f.listing_id = l.id "
                f"WHERE lp.paper_id IN ({marks}) AND l.day <= ? AND f.fetched_at <= ?",
                bounds + bounds,
            ).fetchall()
            listed.update((int(paper), fetched_source(path)) for paper, path in rows)
        return listed


UNLISTED = "NOT EXISTS (SELECT 1 FROM listing_papers lp WHERE lp.paper_id = p.id)"  # a paper p no listing has
LAST_ID = 2**63 - 1  # above any id (a BIGINT's greatest): the first page starts at its day's end
NEWEST_LISTINGS = (
    "SELECT id, source, day FROM listings WHERE (day, id) < (?, ?) AND ingested_at <= ? "
    "ORDER BY day DESC, id DESC LIMIT ?"
)
LISTING_FETCHES = (  # the sources that fetched those listings by then, the latest first
    "SELECT listing_id, source FROM listing_fetches WHERE listing_id IN ({marks}) AND fetched_at <= ? "
    "ORDER BY fetched_at DESC, source DESC"
)


class _EarlierUrl:
    """Whether a url fetched before is ``source``'s: its url with any day for ``{date}`` and,
    for ``{categories}``, some of its categories now (a category since removed: not its)."""

    def __init__(self, source: SourceConfig) -> None:
        parts = re.split(r"(\{date\}|\{categories\})", source.url)
        held = {"{date}": _DAY, "{categories}": _CATEGORIES}
        self.pattern = re.compile("".join(held.get(p) or re.escape(p) for p in parts))
        self.categories = set(source.categories)

    def fetched(self, url: str) -> bool:
        match = self.pattern.fullmatch(url)
        return match is not None and all(set(c.split("+")) - {""} <= self.categories for c in match.groups())


def ingested_bound(moment: dt.datetime | None) -> str:
    """``ingested_at <= ?``'s bound: ``moment``, or none ("9" sorts after every ISO time)."""
    return "9" if moment is None else iso(moment)
