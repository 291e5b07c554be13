"""Speed of learning from ratings: fitting readers' models, ranking with them, refitting one.

An index of the shared dumps' papers (topped up with generated ones): the older papers are
the ones readers rated, the last ``--new`` (300) are the day's new papers. ``--readers``
(10,000) generated profiles, each with ``--ratings`` (50) ratings of older papers (a fifth
of them up). Prints:

* fitting every reader's model (what the first ranking after a restart does);
* the daily ranking: every reader's top ``max_papers``, models fitted (``FeedbackRanker.rank``
  per reader with a limit; the index holds the rated papers too, so the top is taken over
  all of them, not the new ones alone);
* refitting one reader's model after one more rating (mean and worst, on a sample).

``--window``: the index holds the ``--new`` papers alone, as when the next digest is ranked
from the papers listed since the previous one; the rated papers are outside it, looked up and
vectorized with the index's tf-idf (once per paper) when a reader's model is fitted.

Wall-clock and CPU time are both printed: on a busy machine the CPU time is the steadier
figure.

    python benchmarks/bench_feedback.py [--readers 10000] [--ratings 50] [--new 300]
"""

from __future__ import annotations

import argparse
import random
import time

import _onecore  # noqa: F401  (one BLAS thread; before numpy)
import _path  # noqa: F401  (puts the project on sys.path)
from bench_matcher import load_papers, make_profiles, vocabulary

from digest.select.feedback import FeedbackRanker
from digest.select.matcher import PaperIndex


def timed(label: str, fn, count: int) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.2f} s (CPU {cpu:.2f} s), {1000 * wall / count:.2f} ms per reader")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--readers", type=int, default=10_000)
    ap.add_argument("--ratings", type=int, default=50)
    ap.add_argument("--papers", type=int, default=1500, help="papers in the index, new ones included")
    ap.add_argument("--new", type=int, default=300)
    ap.add_argument("--refit-sample", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--window",
        action="store_true",
        help="the index holds the new papers only, the rated ones are looked up (the next digest's case)",
    )
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    papers, origin = load_papers(a.papers, rng)
    by_id = {p.id: p for p in papers}
    index = PaperIndex.build(papers[len(papers) - a.new :] if a.window else papers)
    profiles = make_profiles(a.readers, vocabulary(papers, rng), rng)
    old = [p.id for p in papers[: len(papers) - a.new]]
    ratings = {
        p.user: {pid: (1 if rng.random() < 0.2 else -1) for pid in rng.sample(old, a.ratings)}
        for p in profiles
    }
    lookup = (lambda ids: [by_id[i] for i in ids]) if a.window else None
    ranker = FeedbackRanker(index, lambda user: ratings[user], lookup)
    print(f"papers: {len(papers)} ({origin}), {a.new} of them new")
    if a.window:
        print("the index holds the new papers only; the rated ones are looked up and vectorized")
    print(f"readers: {a.readers:,}, {a.ratings} ratings each")
    timed("tf-idf and the shared negatives' kernel", lambda: ranker._kernel(ranker._negatives[:1]), 1)
    timed("fitting every reader's model", lambda: [ranker.fit(p) for p in profiles], a.readers)
    picked = {}

    def daily() -> None:
        for p in profiles:
            picked[p.user] = ranker.rank(p, p.max_papers)

    timed("daily ranking of the new papers, models fitted", daily, a.readers)
    print(f"  {sum(len(v) for v in picked.values()):,} papers picked")
    times = []
    for p in rng.sample(profiles, min(a.refit_sample, len(profiles))):
        ratings[p.user][rng.choice(old)] = 1
        start = time.perf_counter()
        ranker.fit(p)
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        f"refitting one reader's model after a rating: mean {1000 * sum(times) / len(times):.1f} ms, "
        f"median {1000 * times[len(times) // 2]:.1f} ms, worst {1000 * times[-1]:.1f} ms "
        f"(on {len(times)} readers)"
    )


if __name__ == "__main__":
    main()
