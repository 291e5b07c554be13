"""Does a new reader's first window (Store.latest_listing_papers: the latest listing of each
source the config names) cost the day's listings, or the archive's? Prints the time of one
call (the fastest of ``--calls``) on stores of 1 day, a year and five years of daily listings
(two fetched sources and the inbox's dumps a day, 100 papers each), on SQLite.

    python benchmarks/bench_latest_listing.py [--days 1 365 1825] [--calls 50]

The listings are written straight into the tables (papers of no text: only listings and their
papers are read). Figures (2 CPUs shared, --calls 200): with every listing on or before the day
fetched at once (fetchall), 1.47 / 2.14 / 4.9 ms; read one at a time up to the week it keeps,
1.45 / 1.70 / 2.42 ms. What still grows is SQLite's sort of the listings by day (listings.day
has no index); on PostgreSQL the rows come at once either way (digest.db.PgCursor).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)

from digest.store import Store

SOURCES = ("hf_daily", "arxiv-cs.LG")  # the config's; the inbox's dumps are the third


def build(path: Path, days: int, per_listing: int = 100) -> Store:
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
                for position in range(per_listing):
                    paper += 1
                    db.execute(
                        "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) "
                        "VALUES (?,?,?,?,?,?)",
                        (paper, f"k{paper}", f"Paper {paper}", "", day, f"{day}T06:00:00+00:00"),
                    )
                    db.execute(
                        "INSERT INTO listing_papers (listing_id, paper_id, position) VALUES (?,?,?)",
                        (listing, paper, position),
                    )
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, nargs="+", default=[1, 365, 1825])
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    for days in args.days:
        with tempfile.TemporaryDirectory() as folder:
            store = build(Path(folder) / "digest.db", days)
            times, papers = [], 0
            for _ in range(args.calls):
                began = time.perf_counter()
                papers = len(store.latest_listing_papers(None, None, 7, SOURCES))
                times.append(time.perf_counter() - began)
            store.close()
        fastest = min(times) * 1000  # the machine's other work adds to a call, never takes away
        print(f"{days:5d} days, {3 * days:5d} listings: {fastest:5.2f} ms ({papers} papers)")


if __name__ == "__main__":
    main()
