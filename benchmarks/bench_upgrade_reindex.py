"""The upgrade from schema 17 on an indexed archive where a few papers have a Turkish capital dotted
I (migration 17 -> 18 re-indexes them): how long the upgrade takes, and the next ranking's refresh
of the word counts after it. Before this version, the upgrade emptied every count and the refresh
indexed the whole archive again.

    python benchmarks/bench_upgrade_reindex.py                          # 50,000 papers, SQLite
    python benchmarks/bench_upgrade_reindex.py --source /tmp/before     # the upgrade of another checkout
    python benchmarks/bench_upgrade_reindex.py --database postgresql://...  # an empty PostgreSQL database

The archive is built by this checkout (the index's form is the same), from synthetic texts (random
words of a made-up vocabulary); then taken back to schema 17 (its later tables dropped). The
upgrade runs in a child process with ``--source``'s code.

Measured (a 2-CPU machine shared with other work), 20 papers with the letter:
    SQLite, 50,000 papers: before, the upgrade 1.2 s, then the refresh 95.5 s (50,000 papers);
                           now, the upgrade 7.1 s, then nothing to index
    PostgreSQL, 10,000:    before, 0.3 s, then 42.9 s (10,000 papers); now 2.7 s, then nothing
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401 - the project on sys.path

ROOT = Path(__file__).resolve().parents[1]


def build(database: str, papers: int, dotted: int) -> None:
    from digest.db import is_postgres
    from digest.select.collection import CollectionStats
    from digest.store import Store

    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnoprstuvwy") for _ in range(rng.randint(3, 10)))
        for _ in range(20000)
    ]
    with Store(database) as store:
        with store.transaction() as db:
            for i in range(papers):
                title = " ".join(rng.choices(vocabulary, k=8)).title()
                abstract = " ".join(rng.choices(vocabulary, k=150)) + " Large language models (LLMs)."
                if i % (papers // dotted) == 0:
                    title += " in İstanbul"
                db.execute(
                    "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
                    (f"k{i}", title, abstract, "2026-11-20", "2026-11-20T06:00:00+00:00"),
                )
        CollectionStats(store).refresh()
        with store.transaction() as db:  # back to schema 17
            db.execute("DROP TABLE reader_names")
            db.execute("ALTER TABLE reader_renames DROP COLUMN undated")
            if is_postgres(database):
                db.execute("UPDATE schema_version SET version = 17")
            else:
                db.execute("PRAGMA user_version = 17")


def upgrade(database: str) -> None:
    from digest.select.collection import CollectionStats
    from digest.store import Store

    start = time.perf_counter()
    with Store(database) as store:
        migrated = time.perf_counter()
        indexed = CollectionStats(store).refresh()
        done = time.perf_counter()
        version = store.schema_version
    took = f"upgrade to {version}: {migrated - start:.1f} s"
    print(f"{took}; then the refresh: {done - migrated:.1f} s ({indexed} papers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--dotted", type=int, default=20, help="papers with a dotted capital I")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose upgrade is timed")
    parser.add_argument("--database", help="an empty PostgreSQL database's URL (default: an SQLite file)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.source))
        upgrade(args.database)
        return
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or str(Path(tmp) / "digest.db")
        start = time.perf_counter()
        build(database, args.papers, args.dotted)
        print(f"{args.papers} papers indexed at schema 17 in {time.perf_counter() - start:.0f} s")
        child = [sys.executable, __file__, "--child", "--database", database, "--source", str(args.source)]
        subprocess.run(child, check=True, cwd=args.source)


if __name__ == "__main__":
    main()
