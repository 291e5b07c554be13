"""Does a new reader's first window (Store.latest_listing_papers: the latest listing of each
source the config names) cost the day's listings, or the archive's? Prints the time of one
call (the fastest of ``--calls``) on stores of 1 day, a year and five years of daily listings
(two fetched sources and the inbox's dumps a day, 100 papers each), on SQLite.

    python benchmarks/bench_latest_listing.py [--days 1 365 1825] [--calls 50] [--postgresql]

``--postgresql``: on a fresh database of the server the PG* variables name (``pg_virtualenv``),
dropped after. Each store's plan of the listings' read (EXPLAIN) is printed under its figure.

The listings are written straight into the tables (papers of no text: only listings and their
papers are read). Figures (2 CPUs shared, --calls 200): with every listing on or before the day
fetched at once (fetchall), 1.47 / 2.14 / 4.9 ms; read one at a time up to the week it keeps,
1.45 / 1.70 / 2.42 ms (1.46 / 1.84 / 2.47 ms again: SCAN listings, USE TEMP B-TREE FOR ORDER BY,
the archive sorted); along the index listings_day (schema 34), 1.47 / 1.55 / 1.53 ms (SEARCH
listings USING INDEX listings_day). On PostgreSQL (15, --postgresql) a query's rows come at
once whether read or not (digest.db.PgCursor): 1.69 / 2.87 / 6.35 ms with the index, all the
listings read (Index Scan Backward, or a Sort of them all); a page at a time
(Store.listings_newest_first: LIMIT 64 along the index), 1.71 / 1.93 / 2.16 ms (SQLite's
1.47 / 1.55 / 1.55 ms as before). Each page's sources read from listing_fetches (schema 39: every
source that fetched a listing), a second query a page: 1.52 / 1.65 / 1.65 ms on SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)

from digest.store import Store
from digest.store_sources import LAST_ID, NEWEST_LISTINGS

SOURCES = ("hf_daily", "arxiv-cs.LG")  # the config's; the inbox's dumps are the third


def build(path: Path | str, days: int, per_listing: int = 100) -> Store:
    """A store of ``days`` days of listings, each source's and the inbox's, from 2026-01-01."""
    store = Store(path)
    start, listing, paper = dt.date(2026, 1, 1), 0, 0
    with store.transaction() as db:
        for d in range(days):
            day = (start + dt.timedelta(days=d)).isoformat()
            names = [f"inbox/processed/fetch-{s}-{day}-20260101T060000.json" for s in SOURCES]
            for name in [*names, f"inbox/processed/{day}.txt"]:
                listing += 1
                db.execute(
                    "INSERT INTO listings (id, sha256, day, source, entries, ingested_at) "
                    "VALUES (?,?,?,?,?,?)",
                    (listing, f"sha{listing}", day, name, per_listing, f"{day}T06:00:00+00:00"),
                )
                db.execute(  # its source's fetch of it, as the store records it (schema 39)
                    "INSERT INTO listing_fetches (listing_id, source, fetched_at) VALUES (?,?,?)",
                    (listing, name, f"{day}T06:00:00+00:00"),
                )
                ids = range(paper + 1, paper + per_listing + 1)
                db.executemany(  # a listing's papers in one call: five years' build in a minute on PostgreSQL
                    "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) "
                    "VALUES (?,?,?,?,?,?)",
                    [(p, f"k{p}", f"Paper {p}", "", day, f"{day}T06:00:00+00:00") for p in ids],
                )
                db.executemany(
                    "INSERT INTO listing_papers (listing_id, paper_id, position) VALUES (?,?,?)",
                    [(listing, p, position) for position, p in enumerate(ids)],
                )
                paper += per_listing
    return store


@contextlib.contextmanager
def database(postgresql: bool) -> Iterator[Path | str]:
    """An SQLite file in a folder removed after, or a PostgreSQL database dropped after."""
    if not postgresql:
        with tempfile.TemporaryDirectory() as folder:
            yield Path(folder) / "digest.db"
        return
    import psycopg

    name = f"digest_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql:///{name}"
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def plan(store: Store) -> str:
    """How the database reads the listings newest first (the read latest_listing_papers makes)."""
    first_page = ("9999-12-31", LAST_ID, "9", 64)
    if store.dialect == "postgresql":
        store.db.execute("ANALYZE")  # every table: as autovacuum's after the build
        rows = store.db.execute(f"EXPLAIN {NEWEST_LISTINGS}", first_page).fetchall()
        return " / ".join(r[0].strip() for r in rows if "->" in r[0] or not r[0].startswith(" "))
    return " / ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {NEWEST_LISTINGS}", first_page))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 365, 1825])
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--postgresql", action="store_true", help="on PostgreSQL (pg_virtualenv)")
    args = ap.parse_args()
    for days in args.days:
        with database(args.postgresql) as at:
            store = build(at, days)
            read = plan(store)  # (on PostgreSQL after ANALYZE, as autovacuum's would be)
            times, papers = [], 0
            for _ in range(args.calls):
                began = time.perf_counter()
                papers = len(store.latest_listing_papers(None, None, 7, SOURCES))
                times.append(time.perf_counter() - began)
            store.close()
        fastest = min(times) * 1000  # the machine's other work adds to a call, never takes away
        print(f"{days:5d} days, {3 * days:5d} listings: {fastest:5.2f} ms ({papers} papers)")
        print(f"      plan: {read}")


if __name__ == "__main__":
    main()
