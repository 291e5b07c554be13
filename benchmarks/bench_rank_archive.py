"""Peak memory and time of `digest rank USER` (the whole archive) as the archive grows, and of
the commands beside it, paired between two checkouts (A B A B ...).

    python benchmarks/bench_rank_archive.py --work /tmp/ranks --papers 5000,20000,50000
    python benchmarks/bench_rank_archive.py --work /tmp/ranks --a /work/old-checkout --rounds 2
    python benchmarks/bench_rank_archive.py --work /tmp/ranks --papers 98280 --only "rank"

Each archive is built once into ``--work`` by checkout A's code (benchmarks/grown.py: daily
listings of 270 synthetic papers, two days at least (540), ``--readers`` readers with 60 days of
digests, a quarter of them with 30 ratings; then the day's new listing, the window of `preview`;
the archive's word counts made, as a daemon has them); then each command runs in a fresh process
under /usr/bin/time: `rank` and `rank --json` for a reader without ratings (r0003) and `rank`
for one with (r0000), `preview --text` and `profile test` (a keyword tried on the last 30 days).
Prints wall and CPU seconds and peak RSS (MB, and KB per paper for `rank`), the median of the
rounds; delete ``--work`` afterwards (a 50,000-paper archive is about 100 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _dumps import DEFAULT_DUMPS, dump_files
from grown import build

ROOT = Path(__file__).resolve().parent.parent
PER_DAY = 270
SECRET = "bench-secret-bench-secret-bench-secret"
INDEX = """
from digest.select.collection import CollectionStats
from digest.store import Store
with Store("digest.db") as store:
    CollectionStats(store).refresh()
"""  # the archive's word counts made once, as a daemon has them (no command timed pays for them)
COMMANDS = {
    "rank": ("rank", "r0003"),
    "rank --json": ("rank", "r0003", "--json", "--limit", "1000"),
    "rank (rated)": ("rank", "r0000"),
    "preview": ("preview", "r0003", "--text"),
    "profile test": ("profile", "test", "r0003", "world model"),
}


def archive_days(size: int) -> int:
    """Whole days of PER_DAY papers holding ``size``; two at least (grown.build's least)."""
    return max(2, -(-size // PER_DAY))


def timed(source: Path, work: Path, args: tuple[str, ...]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one command in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(source), "OMP_NUM_THREADS": "1", "BENCH_SECRET": SECRET}
    command = ["/usr/bin/time", "-f", "TIME %e %U %S %M", sys.executable, "-m", "digest", "-q"]
    done = subprocess.run([*command, "--config", "config.yaml", *args], cwd=work, env=env,
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:  # an error's figures are not the command's: stop, and say why
        raise SystemExit(f"{source}: {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    last = [line for line in done.stderr.splitlines() if line.startswith("TIME ")][-1].split()
    return float(last[1]), float(last[2]) + float(last[3]), int(last[4]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="where the archives are built (kept)")
    ap.add_argument("--papers", default="5000,20000", help="archive sizes, comma-separated")
    ap.add_argument("--a", type=Path, help="checkout A (the older: it builds); default: only this one")
    ap.add_argument("--b", type=Path, default=ROOT, help="checkout B (default: this one)")
    ap.add_argument("--readers", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--only", help="comma-separated command names (rank, rank --json, preview, ...)")
    ap.add_argument(
        "--dumps", type=Path, default=DEFAULT_DUMPS, help="the dumps whose text the build recombines"
    )
    a = ap.parse_args()
    os.environ.setdefault("BENCH_SECRET", SECRET)
    checkouts = {"A": a.a.resolve(), "B": a.b.resolve()} if a.a else {"B": a.b.resolve()}
    only = set(a.only.split(",")) if a.only else set(COMMANDS)
    shared: list[Path] | None = None  # the dumps, checked when an archive is to be built
    for size in (int(s) for s in a.papers.split(",")):
        work = a.work / f"papers-{size}"
        if not (work / "built").exists():
            shared = shared or dump_files(a.dumps)  # none: stops here, before the work folder
            work.mkdir(parents=True, exist_ok=True)
            days = archive_days(size)  # the last day's dump ingested after the readers' history
            now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
            build(work, next(iter(checkouts.values())), days=days, per_day=PER_DAY, readers=a.readers,
                  history=60, sent_days=20, removed=5, renamed=0, now=now, shared=shared)  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(next(iter(checkouts.values())))}
            spare = [str(p) for p in (work / "spare").iterdir()]  # the day's new listing: preview's window
            ingest = [sys.executable, "-m", "digest", "-q", "--config", "config.yaml", "ingest", *spare]
            subprocess.run(ingest, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
            subprocess.run([sys.executable, "-c", INDEX], cwd=work, env=env, check=True)
        figures: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        for _ in range(a.rounds):
            for name, args in COMMANDS.items():
                for label, source in checkouts.items():
                    if name in only:
                        figures.setdefault((name, label), []).append(timed(source, work, args))
        papers = archive_days(size) * PER_DAY
        print(f"\n{papers:,} papers ({work})")
        for (name, label), runs in figures.items():
            wall, cpu, rss = (statistics.median(r[i] for r in runs) for i in range(3))
            per = f"{rss * 1024 / papers:6.1f} KB/paper" if name.startswith("rank") else ""
            print(f"  {label} {name:<14} {wall:8.2f} s {cpu:8.2f} s CPU {rss:8.0f} MB  {per}", flush=True)


if __name__ == "__main__":
    main()
