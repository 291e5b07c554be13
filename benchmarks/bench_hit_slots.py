"""What the index's highlight slots cost. ``PaperIndex`` kept, for every keyword it had matched
and every paper, a slot for the pair's hits (``hit_table``, an object pointer), whether they
were known (``hit_known``, a byte) and how many (``hit_count``, 8 bytes): 17 bytes a pair, in
rows made 64 at a time and doubled, so 1.1 KB a paper from the start. Hits are asked for only
for the papers a reader gets, so most slots stayed empty; ``HitSlots`` now keeps a column per
paper asked about. The script measures either layout (it runs in an older checkout too).

For each ``--papers`` size: an index of that many papers (generated: a four-word title and a
``--words``-word abstract over the bench_matcher vocabulary), ranked for ``--readers`` readers
(bench_matcher's profile generator; ``rank_many``, top 10 with hits, as a digest does) and, on a
fresh index, for one reader with ``PaperIndex.rank`` over every paper (as `digest rank USER`
does on the whole archive). Prints the slots' bytes beside the score rows' and the word index's,
the pairs whose hits were asked for and those with hits, and what keeping only those pairs
would hold (a dict entry and its key, about 100 bytes a pair; the tuples are the same either
way).

    python benchmarks/bench_hit_slots.py [--papers 5000,100000] [--readers 1000] [--words 40]

Measured (a 2-CPU machine shared with other work), the slots' bytes before (17835c1: a slot for
every keyword and paper, 64 rows from the start) and after (`HitSlots`: a column per paper asked
about, given when first asked; the same hits):

| papers | ranked | keywords | before | after | pairs asked (with hits) |
|---|---|---|---|---|---|
| 5,000 | one reader, top 20 | 14 | 5.2 MiB | 0.1 MiB | 158 (79) |
| 5,000 | one reader, top 1,000 | 14 | 5.2 MiB | 1.1 MiB | 3,834 (1,917) |
| 5,000 | one reader, every match | 14 | 5.2 MiB | 4.3 MiB | 7,988 (3,994) |
| 5,000 | 1,000 readers, top 10 | 252 | 20.8 MiB | 20.8 MiB | 47,104 (24,702) |
| 100,000 | one reader, top 20 | 14 | 103.8 MiB | 0.8 MiB | 174 (87) |
| 100,000 | one reader, top 1,000 | 14 | 103.8 MiB | 1.8 MiB | 6,492 (3,246) |
| 100,000 | one reader, every match | 14 | 103.8 MiB | 69.3 MiB | 160,922 (80,461) |
| 100,000 | 1,000 readers, top 10 | 252 | 415.0 MiB | 62.7 MiB | 94,515 (48,489) |

The whole run's peak RSS: 1.65 GB before, 1.23 GB after. The score rows (48.8 MiB for 64 rows
at 100,000 papers) are the same either way. Time, CPU seconds, paired (old, new, three
rounds, 20,000 papers, /tmp scripts): one reader's top 1,000 0.061-0.069 -> 0.048-0.055,
every match 0.73-0.76 -> 0.68-0.83, 1,000 readers 2.36-2.64 -> 2.09-2.56; bench_matcher.py
(100,000 readers x 300 papers) CPU 5.40-5.95 s -> 5.49-5.88 s, peak RSS 792 -> 747 MiB.
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
    slots = getattr(index, "hit_slots", None)
    if slots is None:  # before 'HitSlots': a slot for every keyword and paper
        known, count, table = index.hit_known, index.hit_count, index.hit_table
        size = table.nbytes + known.nbytes + count.nbytes
    else:
        known, count, table, size = slots.known, slots.count, slots.table, slots.nbytes
    n = len(index.papers)
    print(
        f"  {label}: {took:.2f} s; {len(index.keyword_list):,} keywords; slots {len(table):,} x"
        f" {table.shape[1]:,} papers: {mib(size)} ({size / n:,.0f} B a paper);"
        f" score rows {mib(index.matrix.nbytes)}"
    )
    print(
        f"    pairs asked for {int(known.sum()):,} ({int((count > 0).sum()):,} with hits);"
        f" in a dict alone: {mib(int(known.sum()) * SPARSE_PAIR)}"
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
        for limit in (20, 1000, None):  # `digest rank`'s default, evaluate.py's, every match
            t = time.perf_counter()
            index.rank(readers[0], limit)
            report(
                f"one reader, top {limit or 'every match'} (PaperIndex.rank)", index, time.perf_counter() - t
            )
            index = PaperIndex.build(listing)
        t = time.perf_counter()
        rank_many(index, readers, limit=[10] * len(readers))
        report(f"{len(readers):,} readers, top 10 (rank_many)", index, time.perf_counter() - t)
        del index
        sys.stdout.flush()


if __name__ == "__main__":
    main()
