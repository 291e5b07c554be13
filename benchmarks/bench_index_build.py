"""Memory of building the matcher's index (digest/select/postings.py): the bytes a word it
keeps, and the bytes a word held beyond them at the build's peak (the arrays the words are
gathered in, the sorts), traced with tracemalloc (numpy's arrays included). The text module's
bounded caches (the tokens of the last texts, the words' forms) are filled while building:
they are counted apart.

    python benchmarks/bench_index_build.py [--papers 2000]

The papers are synthetic: each abstract 80 words drawn from a vocabulary of about 1,000 and
13 more, the title four words. Before the gathering arrays were let go early (e141797) the
build held 37.5 bytes a word beyond what it keeps on 2,000 papers; 20 after.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import _path  # noqa: F401  (puts the project on sys.path)

from digest.select import text
from digest.select.postings import Postings
from digest.select.text import tokenize


def papers(n: int) -> list[tuple[str, str]]:
    return [
        (f"Paper {d} on graphs", " ".join(f"w{(d * 7 + i) % 997} model{i % 13}" for i in range(80)))
        for d in range(n)
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=2000)
    args = ap.parse_args(argv)
    texts = papers(args.papers)
    words = sum(len(tokenize(title)) + len(tokenize(abstract)) for title, abstract in texts)
    tracemalloc.start()
    began = time.perf_counter()
    try:
        postings = Postings(texts)
        kept, peak = tracemalloc.get_traced_memory()
        for cached in _caches():
            cached.cache_clear()
        index = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    took = time.perf_counter() - began
    print(f"{postings.n_docs:,} papers, {words:,} words, built in {took:.2f} s (traced)")
    caches = (kept - index) / words
    print(f"the index keeps {index / words:.1f} bytes a word, the text module's caches {caches:.1f}")
    print(f"held beyond both at the build's peak: {(peak - kept) / words:.1f} bytes a word")


def _caches() -> list:
    """The text module's bounded caches (tokens of the last texts, words' forms)."""
    return [f for f in vars(text).values() if callable(getattr(f, "cache_clear", None))]


if __name__ == "__main__":
    main()
