"""Do the store's reads behind `digest status`, `preview --date` and `profile test` cost the day's
listings or the archive's years? Prints the time of each read (the fastest of ``--calls``) on
stores of 1 day, a year and five years of daily listings (bench_latest_listing's: two fetched
sources and the inbox's dumps a day, 100 papers each: 547,500 papers at five years), and how the
database reads it (EXPLAIN QUERY PLAN on SQLite; on PostgreSQL EXPLAIN ANALYZE, after ANALYZE).

    python benchmarks/bench_archive_reads.py [--days 1 365 1825] [--calls 20] [--postgresql]
    python benchmarks/bench_archive_reads.py --only latest_paper_day,last_ingest --no-plans

The reads: ``latest_paper_day`` and ``papers(since=)`` (a 30-day window: `profile test`),
``counts`` (`digest status`: the papers), ``untaken_by`` (`preview --date` of the last day),
``last_ingest`` (`digest status`), ``version`` and ``ratings_version`` (`digest serve`'s live preview;
``poll``: both, what GET /u/<token>/version reads). Each figure with the
time spent in the database (its statements run and their rows fetched; the rest makes the objects).

Figures at 1 day / a year / five years (--calls 10, before and after run back to back; 2 CPUs
shared with other work, load average 8-13: the noise is large, the plans are what to read),
schema 34 (main) -> 35 (indexes papers_first_seen, listings_ingested):
SQLite: latest_paper_day 0.021 / 16 / 133 ms (SCAN of every paper first seen after the newest
listing; 6.8 / 32 ms in a quieter run) -> 0.009 ms each (SEARCH p USING COVERING INDEX
papers_first_seen); papers(since=), 300 / 9,000 / 9,000 papers, 1.4 / 184 / 460 ms, 0.3 / 83 /
425 ms in the database (SCAN p: every paper tried) -> 1.5 / 126 / 95 ms, 0.4 / 34 / 50 ms in the
database (the window's ids along the indexes, then its papers by id: the rest makes 9,000 Paper
objects, the window's cost); last_ingest 0.007 / 0.20 / 1.06 ms (SCAN listings, TEMP B-TREE FOR
ORDER BY) -> 0.005 ms each (SCAN listings USING INDEX listings_ingested: its last row).
PostgreSQL 15: latest_paper_day 0.19 / 27 / 128 ms (Parallel Seq Scan on papers) -> 0.18 / 0.31 /
0.29 ms; papers(since=) 2.1 / 950 / 816 ms (an Index Scan of papers_pkey filtering all of them; 2.1
/ 187 / 355 ms in a quieter run) -> 3.0 / 345 / 306 ms (the ids: Index Only Scans of listings_day
and listing_papers_pkey, a Bitmap Index Scan of papers_first_seen; then Index Scans of papers_pkey,
500 ids each); last_ingest 0.074 / 0.61 / 3.1 ms (Sort of every listing) -> 0.070 / 0.069 / 0.071
ms (Index Scan Backward using listings_ingested). untaken_by, newest first along listings_day a
page at a time to the first listing a digest takes (the store's, no index added): SQLite 0.015 /
1.7 / 11.6 ms (every listing's source, DISTINCT) -> 0.013 / 0.049 / 0.049 ms; PostgreSQL 0.18 /
6.7 / 28 ms (HashAggregate of every listing) -> 0.16 / 0.32 / 0.29 ms (Limit, Index Scan Backward
using listings_day). Unchanged: counts (SQLite 0.015 / 0.5-1.4 /
8-15 ms, PostgreSQL 0.3 / 8-20 / 64-128 ms) and version (COUNT(*) of every paper: what they say).

version, read by every poll of an open preferences page or live preview (1.5 s), made of the
newest ids (papers, listings, deliveries) where it counted every paper and every paper sent; at
1 day / five years, --calls 10, a quiet machine: SQLite 0.005 / 2.4 ms (SCAN papers USING
COVERING INDEX papers_first_seen, SCAN sent_papers) -> 0.006 / 0.006 ms (SEARCH along the
primary keys); PostgreSQL 0.067 / 42 ms (Seq Scan on papers) -> 0.09 / 0.17 ms (Index Only Scan
Backward using papers_pkey). counts keeps the papers and listings (`digest ingest`'s last line),
no longer the entries and deliveries no command said; paper_count (`digest status`'s papers, a
count it says) costs what counting them does: SQLite 2.4 ms, PostgreSQL 57 ms at five years.

ratings_version, the reader's ratings that a poll reads too since a rating elsewhere (`digest
feedback`, a rating link in another tab) did not reload an open preview: the reader's rows along
the primary key, hashed (exact: any other set of ratings gives another version). RATERS readers
rate a paper a day each (182,500 ratings at five years; the reader polled, 1,825 of them). At 1
day / five years, --calls 20, load average 3-5: the poll's reads (``poll``: version, then
ratings_version) SQLite 0.006 / 0.006 ms (version alone) -> 0.010 / 1.01 ms (SEARCH ratings USING
INDEX sqlite_autoindex_ratings_1 (user=?)); PostgreSQL 0.060 / 0.066 ms -> 0.10 / 1.35 ms (Bitmap
Index Scan on ratings_pkey, 1,825 rows sorted). The cost is the reader's own ratings, never the
archive's or the other readers': a reader with a rating a day for five years, 1 ms per poll.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import _path  # noqa: F401  (puts the project on sys.path)
from bench_latest_listing import build, database

from digest.store import Store

START = dt.date(2026, 1, 1)  # the build's first day


def reads(last: dt.date) -> dict[str, Callable[[Store], object]]:
    window = last - dt.timedelta(days=29)  # profile test's 30 days back from the latest
    return {
        "latest_paper_day": lambda s: s.latest_paper_day(),
        "papers(since=)": lambda s: len(s.papers(since=window)),
        "counts": lambda s: s.counts(),
        "paper_count": lambda s: s.paper_count(),
        "untaken_by": lambda s: s.untaken_by(last, ()),
        "last_ingest": lambda s: s.last_ingest(),
        "version": lambda s: s.version(),
        "ratings_version": lambda s: s.ratings_version(RATED),
        "poll": lambda s: (s.version(), s.ratings_version(RATED)),  # GET /u/<token>/version's reads
    }


RATERS, RATED = 100, "r0"  # readers who rate a paper a day each; the one whose page polls
AT = "2026-01-01T06:00:00+00:00"


def rate(store: Store, days: int) -> None:
    """Each of RATERS readers rates a paper of each day (RATERS * days ratings, 182,500 at five
    years): the reader's rows are a day's share of the table, as a poll of one reader reads them."""
    with store.transaction() as db:
        for r in range(RATERS):
            db.executemany(
                "INSERT INTO ratings (user, paper_id, rating, rated_at) VALUES (?, ?, ?, ?)",
                [(f"r{r}", 300 * d + r + 1, 1 if (d + r) % 3 else -1, AT) for d in range(days)],
            )


class Recorder:
    """The store's connection, keeping each statement it is given (for its plan) and the time
    spent in the database (its execution and rows fetched: not the store's making of objects)."""

    def __init__(self, db: Any) -> None:
        self.db, self.said, self.spent = db, [], 0.0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.said.append((sql, tuple(params)))
        t0 = time.perf_counter()
        rows = self.db.execute(sql, params).fetchall()
        self.spent += time.perf_counter() - t0
        return Fetched(rows)


class Fetched:
    """A statement's rows, fetched already."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.rows)


def plans(store: Store, read: Callable[[Store], object]) -> list[str]:
    """How the database reads each statement ``read`` makes."""
    real, store.db = store.db, Recorder(store.db)
    try:
        read(store)
        said = store.db.said
    finally:
        store.db = real
    out = []
    for sql, params in said:
        if store.dialect == "postgresql":
            rows = real.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
            out.append(" / ".join(r[0].strip() for r in rows.fetchall()))
        else:
            rows = real.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            out.append(" / ".join(r[3] for r in rows))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 365, 1825])
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--only", help="comma-separated reads (latest_paper_day, counts, ...)")
    ap.add_argument("--no-plans", action="store_true", help="the figures alone")
    ap.add_argument("--postgresql", action="store_true", help="on PostgreSQL (pg_virtualenv)")
    args = ap.parse_args()
    for days in args.days:
        with database(args.postgresql) as at:
            began = time.perf_counter()
            store = build(at, days)
            rate(store, days)
            if store.dialect == "postgresql":
                store.db.execute("ANALYZE")  # every table: as autovacuum's after the build
            built = time.perf_counter() - began
            print(f"{days:5d} days, {300 * days:7d} papers (built in {built:.0f} s)", flush=True)
            for name, read in reads(START + dt.timedelta(days=days - 1)).items():
                if args.only and name not in args.only.split(","):
                    continue
                times, spent, answer = [], [], None
                for _ in range(args.calls):
                    t0 = time.perf_counter()
                    answer = read(store)
                    times.append(time.perf_counter() - t0)
                    real, store.db = store.db, Recorder(store.db)
                    read(store)
                    real, store.db = store.db, real
                    spent.append(real.spent)
                # the fastest: the machine's other work adds to a call, never takes away
                fastest, in_db = min(times) * 1000, min(spent) * 1000
                shown = str(answer) if len(str(answer)) < 50 else str(answer)[:47] + "..."
                print(f"  {name:<18} {fastest:8.3f} ms ({in_db:8.3f} in the database)   {shown}", flush=True)
                for line in [] if args.no_plans else plans(store, read):
                    print(f"      {line}")
            store.close()


if __name__ == "__main__":
    main()
