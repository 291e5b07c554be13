"""Speed of learning from ratings: fitting readers' models, the daily ranking with them,
refitting one.

An archive of the shared dumps' papers (topped up with generated ones) that readers rated,
and the day's ``--new`` (300) papers after it. ``--readers`` (10,000) generated profiles,
each with ``--ratings`` (50) ratings of archive papers (a fifth of them up). Prints:

* fitting every reader's model on the archive (what the first ranking after a restart does);
* the daily ranking of the new papers, models fitted: every reader's top ``max_papers``
  with ``FeedbackRanker.rank_many`` (the keyword ranking of all readers at once, and the
  models applied as one matrix product per stack of readers), and beside it, in the same
  run, the keyword ranking alone (``rank_many``) of the same readers;
* refitting one reader's model after one more rating (mean and worst, on a sample).

Wall-clock and CPU time are both printed: on a busy machine the CPU time is the steadier
figure.

    python benchmarks/bench_feedback.py [--readers 10000] [--ratings 50] [--new 300]
"""

from __future__ import annotations

import argparse
import os
import random
import time

import _onecore  # noqa: F401  (one BLAS thread; before numpy)
import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import add_paper_options
from bench_matcher import make_profiles, papers_of, vocabulary

from digest.select.batch import rank_many
from digest.select.features import TextFeatures
from digest.select.feedback import FeedbackRanker
from digest.select.matcher import PaperIndex


def timed(label: str, fn, count: int):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.2f} s (CPU {cpu:.2f} s), {1000 * wall / count:.3f} ms per reader")
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--ratings", type=int, default=50)
    ap.add_argument("--papers", type=int, default=1500, help="archive + new papers")
    ap.add_argument("--new", type=int, default=300)
    ap.add_argument("--refit-sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    add_paper_options(ap)
    a = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    rng = random.Random(a.seed)
    papers, origin = papers_of(a, rng)
    archive, new = papers[: len(papers) - a.new], papers[len(papers) - a.new :]
    profiles = make_profiles(a.readers, vocabulary(papers, rng), rng)
    old = [p.id for p in archive]
    ratings = {
        p.user: {pid: (1 if rng.random() < 0.2 else -1) for pid in rng.sample(old, a.ratings)}
        for p in profiles
    }
    print(f"papers: {len(papers)} ({origin}): an archive of {len(archive)}, {len(new)} new")
    print(f"readers: {a.readers:,}, {a.ratings} ratings each")
    features = timed("tf-idf of the archive", lambda: TextFeatures(archive), 1)
    print(f"  {features.dimension:,} features")
    fitter = FeedbackRanker(PaperIndex.build(archive), lambda user: ratings[user], features=features)
    timed("fitting every reader's model on the archive", lambda: [fitter.fit(p) for p in profiles], a.readers)

    limits = [p.max_papers for p in profiles]
    index = PaperIndex.build(new)
    ranker = FeedbackRanker(index, lambda user: ratings[user], features=features, models=fitter.models)
    picked = timed(
        "daily ranking of the new papers with the models (FeedbackRanker.rank_many)",
        lambda: ranker.rank_many(profiles, limits),
        a.readers,
    )
    liked = sum(1 for r in picked for m in r if "close to papers you liked" in m.keywords)
    print(f"  {sum(len(r) for r in picked):,} papers picked, {liked:,} of them close to papers liked")
    label = "the same readers, keyword ranking alone (rank_many)"
    keywords = timed(label, lambda: rank_many(index, profiles, limits), a.readers)
    ids = [[m.paper.id for m in r] for r in picked]
    changed = sum(1 for x, y in zip(ids, keywords, strict=True) if x != [m.paper.id for m in y])
    print(f"  the models changed {changed:,} of {a.readers:,} readers' picks")

    times, cpu = [], 0.0
    for p in rng.sample(profiles, min(a.refit_sample, len(profiles))):
        ratings[p.user][rng.choice(old)] = 1
        start, start_cpu = time.perf_counter(), time.process_time()
        fitter.fit(p)
        times.append(time.perf_counter() - start)
        cpu += time.process_time() - start_cpu
    times.sort()
    print(
        f"refitting one reader's model after a rating: mean {1000 * sum(times) / len(times):.1f} ms "
        f"(CPU {1000 * cpu / len(times):.1f} ms), median {1000 * times[len(times) // 2]:.1f} ms, "
        f"worst {1000 * times[-1]:.1f} ms (on {len(times)} readers)"
    )


if __name__ == "__main__":
    main()
