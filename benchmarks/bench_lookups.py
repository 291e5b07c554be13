"""Memory of the questions the matcher asks its index (digest/select/postings.py and
evidence.py), traced with tracemalloc (numpy's arrays included): what asking many (word, paper)
pairs without spans keeps (the answers with none are not kept: ``Postings.spans_kept``), and
the peak of the evidence of a phrase in two papers of many (the words of those papers are cut
out, not every paper's: ``evidence.FieldLook.words_kept``). The unit tests check what is kept
through those counts; the bytes are this script's.

    python benchmarks/bench_lookups.py [--pairs 10000] [--papers 20000]

Figures: 10,000 pairs without spans hold 1.6 KB, none kept (the empty answers kept: 1,361 KB,
10,000 of them); the evidence in two papers of 20,000 peaks at 4.8-5.7 KB (the word's every
paper turned into lists: 3,124 KB).
"""

from __future__ import annotations

import argparse
import tracemalloc
from collections.abc import Callable

import _path  # noqa: F401  (puts the project on sys.path)

from digest.select.evidence import evidence_in
from digest.select.postings import Postings, Term


def traced(work: Callable[[], object]) -> tuple[int, int]:
    """(bytes still held after ``work()``, its result dropped; the most held at once meanwhile)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        work()
        held, peak = tracemalloc.get_traced_memory()
        return held - before, peak - before
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=10_000, help="(word, paper) pairs without spans")
    ap.add_argument("--papers", type=int, default=20_000, help="papers of the phrase's index")
    a = ap.parse_args(argv)

    postings = Postings([(f"paper {d}", "a method for graphs") for d in range(200)])
    words = [Term(f"absent{k}", f"absent{k}") for k in range(max(1, a.pairs // 200))]
    for d in range(200):  # the papers read once: their words decoded (a bounded cache) before tracing
        postings.word_spans(words[0], d)
    held, _ = traced(lambda: [postings.word_spans(t, d) for t in words for d in range(200)])
    n = len(words) * 200
    print(f"{n:,} (word, paper) pairs without spans: {held / 1024:,.1f} KB held, {postings.spans_kept} kept")

    postings = Postings([("", "event driven models, driven by events") for _ in range(a.papers)])
    terms, joined = (Term("event", "event"), Term("driven", "driven")), "eventdriven"
    for docs in ([a.papers // 2, a.papers // 2 + 1], [a.papers - 1, 3], [3, a.papers - 1]):
        _, peak = traced(lambda docs=docs: evidence_in(postings, terms, joined, docs))
        print(f"the evidence of 'event driven' in papers {docs} of {a.papers:,}: peak {peak / 1024:,.1f} KB")


if __name__ == "__main__":
    main()
