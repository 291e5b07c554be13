"""What the index's highlight slots cost: ``PaperIndex`` keeps, for every keyword it has matched
and every paper, a slot for the pair's hits (``hit_table``, an object pointer), whether they are
known (``hit_known``, a byte) and how many (``hit_count``, 8 bytes): 17 bytes a pair, in rows
made 64 at a time and doubled, so 1.1 KB a paper from the start. Hits are asked for only for
the papers a reader gets, so most slots stay empty.

For each ``--papers`` size: an index of that many papers (generated: a four-word title and a
``--words``-word abstract over the bench_matcher vocabulary), ranked for ``--readers`` readers
(bench_matcher's profile generator; ``rank_many``, top 10 with hits, as a digest does) and, on a
fresh index, for one reader with ``PaperIndex.rank`` over every paper (as `digest rank USER`
does on the whole archive). Prints the slots' bytes beside the score rows' and the word index's,
the pairs whose hits were asked for and those with hits, and what keeping only those pairs
would hold (a dict entry and its key, about 100 bytes a pair; the tuples are the same either
way).

    python benchmarks/bench_hit_slots.py [--papers 5000,100000] [--readers 1000] [--words 40]

Measured (main at f1bb1e6, a 2-CPU machine shared with other work; 55 s, 1.6 GB peak RSS):

| papers | ranked | keywords (rows) | slots | score rows | pairs asked (with hits) | those alone |
|---|---|---|---|---|---|---|
| 5,000 | one reader, every paper | 14 (64) | 5.2 MiB | 2.4 MiB | 7,988 (3,994) | 0.8 MiB |
| 5,000 | 1,000 readers, top 10 | 252 (256) | 20.8 MiB | 19.5 MiB | 47,104 (24,702) | 4.5 MiB |
| 100,000 | one reader, every paper | 14 (64) | 103.8 MiB | 48.8 MiB | 160,922 (80,461) | 15.3 MiB |
| 100,000 | 1,000 readers, top 10 | 252 (256) | 415.0 MiB | 390.6 MiB | 94,515 (48,489) | 9.0 MiB |

The slots cost about what the score rows cost (which every paper needs), twice over at the
start (64 rows of 17 bytes against rows of 8). A digest's listing (300 papers) holds 0.3 MiB of
them at the start, 2.5 MiB for 100,000 of these readers (257 keywords in 512 rows; 1.1 MiB for
the 11,685 pairs asked alone): there they cost nothing worth a change. At 100,000 papers (`digest
rank` on a year's archive) they are 104 MiB for one reader, 15 MiB of it used.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import _onecore  # noqa: F401  (one BLAS thread; before numpy)
import _path  # noqa: F401  (puts the project on sys.path)
from bench_matcher import READER_KEYWORDS, make_profiles

from digest.models import Paper
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex

SPARSE_PAIR = 100  # bytes a known pair would take in a dict (entry, int key); the hits tuple aside
FILLER = ["we", "propose", "a", "method", "that", "improves", "results", "on", "standard", "benchmarks"]


def papers(n: int, words: int, rng: random.Random) -> list[Paper]:
    vocab = [w.strip() for w in READER_KEYWORDS.replace("\n", "").split("|")]
    made = []
    for d in range(n):
        title = " ".join(rng.choice(vocab) for _ in range(4)).capitalize()
        drawn = (rng.choice(vocab) if rng.random() < 0.2 else rng.choice(FILLER) for _ in range(words))
        abstract = " ".join(drawn)
        made.append(Paper(d + 1, title, abstract, None))
    return made


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def report(label: str, index: PaperIndex, took: float) -> None:
    slots = index.hit_table.nbytes + index.hit_known.nbytes + index.hit_count.nbytes
    known = int(index.hit_known.sum())
    with_hits = int((index.hit_count > 0).sum())
    n = len(index.papers)
    print(
        f"  {label}: {took:.2f} s; {len(index.keyword_list):,} keywords in {len(index.hit_table):,} rows"
        f" of slots: {mib(slots)} ({slots / n:,.0f} B a paper); score rows {mib(index.matrix.nbytes)}"
    )
    print(
        f"    pairs asked for {known:,} ({with_hits:,} with hits) of {index.hit_known.size:,} slots;"
        f" those alone: {mib(known * SPARSE_PAIR)}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", default="5000,100000", help="index sizes, comma-separated")
    ap.add_argument("--readers", type=int, default=1000)
    ap.add_argument("--words", type=int, default=40, help="words of each generated abstract")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    vocab = [w.strip() for w in READER_KEYWORDS.replace("\n", "").split("|")]
    readers = make_profiles(a.readers, vocab, rng)
    for n in (int(x) for x in a.papers.split(",")):
        listing = papers(n, a.words, random.Random(a.seed))
        t = time.perf_counter()
        index = PaperIndex.build(listing)
        built = time.perf_counter() - t
        words = sum(len(p.abstract.split()) + 4 for p in listing)
        print(f"{n:,} papers (generated, {words:,} words): index built in {built:.1f} s")
        t = time.perf_counter()
        index.rank(readers[0])
        report("one reader over every paper (PaperIndex.rank)", index, time.perf_counter() - t)
        index = PaperIndex.build(listing)
        t = time.perf_counter()
        rank_many(index, readers, limit=[10] * len(readers))
        report(f"{len(readers):,} readers, top 10 (rank_many)", index, time.perf_counter() - t)
        del index
        sys.stdout.flush()


if __name__ == "__main__":
    main()
