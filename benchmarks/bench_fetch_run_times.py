"""The upgrade to schema 38 on a database of years of daily fetches: how long the step that gives
each fetch record stored before it the time of its fetch run (digest.schema_steps.fetch_run_times)
holds the first command's opening (and every worker, on PostgreSQL, waiting on the upgrade).

    python benchmarks/bench_fetch_run_times.py                  # 4 sources x 2,000 days, SQLite
    python benchmarks/bench_fetch_run_times.py --days 4000

A SQLite file at schema 37 is made by this checkout's migrations, its `fetches` rows written as
the release at schema 37 wrote them (one a day per source, one address a day); then the opening of
a real Store upgrades it, timed whole.

Measured (a 2-CPU machine shared with other work), 4 sources x 2,000 days (8,000 rows): the step as
first written (each record looked for among every record of its source) 6.7-17 s; now 0.1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401 - the project on sys.path

START = dt.datetime(2021, 6, 1, 6, 0, tzinfo=dt.UTC)


def build(path: Path, days: int) -> None:
    from digest.db import SQLITE
    from digest.schema import run_migration

    db = sqlite3.connect(path, isolation_level=None)
    for v in range(37):
        run_migration(db, v, SQLITE)
    db.execute("PRAGMA user_version = 37")
    rows = []
    for source in ("hf_daily", "arxiv_cs", "arxiv_stat", "trending"):
        for n in range(days):
            at = (START + dt.timedelta(days=n)).isoformat()
            rows.append((f"https://{source}.example.org/{n}", source, at, "listing", at))
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO fetches (url, source, attempted_at, outcome, detail, succeeded_at) "
        "VALUES (?,?,?,?,'',?)",
        rows,
    )
    db.execute("COMMIT")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=2000, help="days of fetches per source (4 sources)")
    args = parser.parse_args()
    from digest.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "digest.db"
        build(path, args.days)
        began = time.perf_counter()
        with Store(path) as store:
            took = time.perf_counter() - began
            version = store.db.execute("PRAGMA user_version").fetchone()[0]
            filled = store.db.execute("SELECT COUNT(*) FROM fetches WHERE run_at IS NOT NULL").fetchone()[0]
    print(
        f"{4 * args.days:,} fetch records: the opening that upgraded 37 -> {version} took {took:.2f} s "
        f"({filled:,} given their run's time)"
    )


if __name__ == "__main__":
    main()
