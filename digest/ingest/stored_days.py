"""What the store holds of a daily papers day: a listing of it with papers, stored once the day
was over (its whole list) or before (its first papers), loaded by hand or fetched; and when a day
is over as its records read it (a fetch's catch-ups are recorded a second apart before it)."""

from __future__ import annotations

import datetime as dt

from digest.fetched_names import fetched_source, safe
from digest.store import Store
from digest.store_readers import iso

CATCH_UP = 7  # days looked back for the last day asked for


def day_over(day: dt.date) -> dt.datetime:
    """When ``day``'s daily page is over: the API's days are UTC's."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def recorded_over(day: dt.date) -> dt.datetime:
    """The first record's time (a fetch's, a listing's) of ``day`` made once it was over: a fetch's
    catch-ups are recorded a second apart before it, a week's days at most (ingest.fetch_all.
    fetch_with_missed): one run at 00:00 UTC (09:00 in Tokyo) records the day before at 23:59:59."""
    return day_over(day) - dt.timedelta(seconds=CATCH_UP)


def stored(store: Store, kind: str, day: dt.date, whole: bool = False) -> bool:
    """Whether a listing of ``day`` read as ``kind`` (hf_daily) and holding papers is in the store
    (its dump loaded by hand, `digest ingest`): the day's papers came, whatever its fetches. ``whole``:
    one stored once its UTC day was over (the API's list grows through the day: one stored before may
    hold only its first papers)."""
    held = stored_at(store, kind, day)
    return whole_list(held, day) if whole else held is not None


def loaded_early(store: Store, kind: str, day: dt.date) -> bool:
    """Whether a listing of ``day`` read as ``kind`` and holding papers was loaded by hand (`digest
    ingest` of a dump: not a fetched document, another source's of the same API say) before it was
    over, and fetched by no source since (listing_fetches: the same bytes fetched, a mirror's once
    the day was over say, are a fetched document's, as listings.source said before schema 39)."""
    sql = (
        "SELECT l.id, l.source, f.source FROM listings l LEFT JOIN listing_fetches f ON f.listing_id = l.id "
        "WHERE l.day = ? AND l.format = ? AND l.entries > 0 AND l.ingested_at < ?"
    )
    fetched: dict[int, bool] = {}  # each listing: whether a source's fetch stored it or fetched it too
    rows = store.db.execute(sql, (day.isoformat(), kind, iso(recorded_over(day)))).fetchall()
    for listing, path, other in rows:
        by = bool(fetched_source(path)) or bool(other and fetched_source(other))
        fetched[int(listing)] = fetched.get(int(listing), False) or by
    return not all(fetched.values())


def first_papers_only(store: Store, kind: str, day: dt.date) -> bool:
    """Whether the papers of ``day`` read as ``kind`` in the store came only from a listing loaded by
    hand before it was over (:func:`loaded_early`): it may hold only its first papers."""
    return loaded_early(store, kind, day) and not stored(store, kind, day, whole=True)


def stored_at(store: Store, kind: str, day: dt.date) -> str | None:
    """When the last listing of ``day`` read as ``kind`` and holding papers was stored (as the store
    keeps it); None: there is none."""
    sql = "SELECT MAX(ingested_at) FROM listings WHERE day = ? AND format = ? AND entries > 0"
    row = store.db.execute(sql, (day.isoformat(), kind)).fetchone()
    return row[0] if row else None


def whole_list(held: str | None, day: dt.date) -> bool:
    """Whether a listing of ``day`` stored at ``held`` (:func:`stored_at`) was stored once its UTC
    day was over: it holds the day's whole list."""
    return held is not None and held >= iso(recorded_over(day))


def stored_by(store: Store, source: str, url: str, kind: str, day: dt.date) -> str | None:
    """Whose listing of ``day`` read as ``kind`` holding papers the store keeps, when none is
    ``source``'s own (a document fetched from it at ``url``, the day's address, under its name or one
    that address was fetched under before: renamed in the config since): the source whose fetch
    stored the last (its name as its files' names have it: another of the same API, a mirror), or ''
    (a dump loaded by hand); None: one is ``source``'s, or there is none."""
    sql = (  # the source that stored such a listing (one stored by a release before schema 39 as it
        # upgraded has no fetch row), and each that fetched it (listing_fetches: a mirror's same bytes)
        "SELECT source, ingested_at, id FROM listings WHERE day = ? AND format = ? AND entries > 0 "
        "UNION SELECT f.source, f.fetched_at, l.id FROM listings l "
        "JOIN listing_fetches f ON f.listing_id = l.id "
        "WHERE l.day = ? AND l.format = ? AND l.entries > 0 ORDER BY 2 DESC, 3 DESC"
    )
    asked = (day.isoformat(), kind) * 2
    names = [fetched_source(row[0]) for row in store.db.execute(sql, asked).fetchall()]
    earlier = store.db.execute("SELECT source FROM fetch_names WHERE url = ?", (url,)).fetchall()
    own = {safe(name) for name in [source, *(n for (n,) in earlier)]}
    return None if not names or own.intersection(names) else names[0]
