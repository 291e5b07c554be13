"""Where the run-to-run spread of the matcher benchmark comes from.

Ranks the same profiles as ``bench_matcher.py`` (100,000 x 300 papers, top 10 with hits,
``rank_many`` as `digest send` does) several times in one process, each time on a fresh
index, and prints per run what could make one run slower than another: its CPU and wall
time, the collections of Python's cyclic GC, the page faults (memory made fresh), the
involuntary context switches (other work taking the core) and how busy the rest of the
machine was meanwhile (from /proc/stat: the machine's busy CPU time less ours, in cores).
Identical work each run: what varies is the machine.

    python benchmarks/bench_spread.py [--runs 6] [--profiles 100000]
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
from pathlib import Path

import _onecore  # noqa: F401  (one BLAS thread; before numpy)
import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import add_paper_options
from bench_matcher import GcTimer, make_profiles, papers_of, vocabulary

from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex


def busy_seconds() -> float:
    """The whole machine's busy CPU time so far (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / 100.0  # USER_HZ


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--profiles", type=int, default=100_000)
    ap.add_argument("--papers", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    add_paper_options(ap)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    papers, origin = papers_of(a, rng)
    profiles = make_profiles(a.profiles, vocabulary(papers, rng), rng)
    limits = [p.max_papers for p in profiles]
    print(f"papers: {len(papers)} ({origin}); profiles: {len(profiles):,}")
    gc_timer = GcTimer()
    print("run  CPU s  wall s  GC s (runs)  page faults  ctx switches  others busy (cores)")
    for run in range(1, a.runs + 1):
        gc.collect()
        gc_timer.seconds, gc_timer.collections = 0.0, 0
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        b0, c0, t0 = busy_seconds(), time.process_time(), time.perf_counter()
        index = PaperIndex.build(papers)
        ranked = rank_many(index, profiles, limit=limits)
        b1, c1, t1 = busy_seconds(), time.process_time(), time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        others = max(b1 - b0 - (c1 - c0), 0.0) / (t1 - t0)
        print(
            f"{run:3d}  {c1 - c0:5.2f}  {t1 - t0:6.2f}  {gc_timer.seconds:5.2f} ({gc_timer.collections:3d})"
            f"  {r1.ru_minflt - r0.ru_minflt:11,}  {r1.ru_nivcsw - r0.ru_nivcsw:12,}  {others:8.2f}",
            flush=True,
        )
        del ranked, index


if __name__ == "__main__":
    main()
