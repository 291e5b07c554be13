"""Speed and memory of the matcher: one listing, many reader profiles.

Ranks ~300 papers (the shared dumps, topped up with generated papers if they have fewer;
``--generated``: generated papers only; the first line printed says which and how many)
for N generated profiles of 5-15 interests each (single words and multi-word phrases), top
``max_papers`` (10) per profile with hits, as the digest run does, with
``rank_many`` on every profile at once, as `digest send` does (``--batch`` N: batches of N,
whose matches are counted, then dropped). Compares with a naive loop that computes the same
ranking with nothing shared between readers (``matcher.rank``: a fresh index per profile),
timed on a sample of the profiles, extrapolated, and checked equal to rank_many's; and with
the one-profile-at-a-time ``PaperIndex.rank`` on a warm index (also checked equal).

One core: BLAS and OpenMP are limited to one thread here; pin the process to a core too
(``taskset -c 0``) for figures that other work on the machine cannot lift. Wall-clock and
CPU time are both printed: on a busy machine the CPU time is the steadier figure.

    python benchmarks/bench_matcher.py [--profiles 100000] [--naive-sample 300] [--dumps DIR | --generated]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import re
import resource
import time
from pathlib import Path

import _onecore  # noqa: F401  (one BLAS thread; before numpy)
import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import add_paper_options, read_dumps

from digest.models import Interest, Match, Paper, Profile
from digest.select.background import background_rate
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex, rank
from digest.select.text import normalize_word

# Keywords a reader might write (hand-written), plus words and word pairs drawn from the
# papers at run time, so that the vocabulary has thousands of distinct keywords.
READER_KEYWORDS = """pruning|sparse|distillation|quantization|compression|early exit|lottery ticket|
efficient|mobile|edge devices|grokking|optimization|generalization|training dynamics|
loss landscape|normalization|initialization|robot|control|reinforcement learning|autonomous|
policy|agents|large language models|LLM|reasoning|code generation|arithmetic|quantum|
neural operator|PDE|physics-informed|scientific machine learning|neuroscience|brain|
visual cortex|neural coding|cognitive|biologically inspired|spiking neural networks|SNN|
event-driven|diffusion models|transformer|attention|state space models|mamba|graph neural networks|
GNN|contrastive learning|self-supervised|vision transformer|ViT|NeRF|3D reconstruction|
object detection|segmentation|speech|audio|video generation|text-to-image|retrieval|
in-context learning|chain of thought|alignment|RLHF|interpretability|mechanistic interpretability|
sparse autoencoders|neural architecture search|NAS|federated learning|privacy|adversarial|
robustness|uncertainty|bayesian|gaussian processes|kernel|neural tangent kernel|
mixture of experts|MoE|low-rank|LoRA|fine-tuning|benchmark|dataset|protein|molecular|
medical imaging|CT|MRI|time series|forecasting|recommendation|tabular|continual learning|
meta-learning|few-shot|zero-shot|multimodal|vision-language|world models|planning|
embodied|navigation|manipulation|simulation|hardware|FPGA|energy efficiency|latency"""

ALPHA = re.compile(r"[A-Za-z][A-Za-z\-]{3,}")


def generated_papers(n: int, rng: random.Random, start: int = 1) -> list[Paper]:
    words = [w.strip() for w in READER_KEYWORDS.replace("\n", "").split("|")]
    filler = [
        "we",
        "propose",
        "a",
        "method",
        "that",
        "improves",
        "results",
        "on",
        "standard",
        "benchmarks",
    ]
    papers = []
    for i in range(n):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(4, 9))).capitalize()
        abstract = " ".join(
            rng.choice(words) if rng.random() < 0.2 else rng.choice(filler) for _ in range(180)
        )
        papers.append(Paper(start + i, title, abstract, dt.date(2024, 1, 1)))
    return papers


def load_papers(count: int, rng: random.Random, dumps: Path | None) -> tuple[list[Paper], str]:
    """``count`` papers: those of the dumps in ``dumps`` (stops with a message if there are none
    there), topped up with generated ones; ``dumps`` None: generated ones only. Also what they
    are, in words: "286 from DIR + 14 generated"."""
    if dumps is None:
        return generated_papers(count, rng), f"{count} generated (--generated)"
    papers = read_dumps(dumps)[:count]
    origin = f"{len(papers)} from {dumps}"
    missing = count - len(papers)
    if missing > 0:
        papers += generated_papers(missing, rng, start=len(papers) + 1)
        origin += f" + {missing} generated"
    return papers, origin


def papers_of(a: argparse.Namespace, rng: random.Random) -> tuple[list[Paper], str]:
    """The papers :func:`add_paper_options`' options ask for (``--papers`` of them)."""
    return load_papers(a.papers, rng, None if a.generated else a.dumps)


def vocabulary(papers: list[Paper], rng: random.Random, size: int = 3000) -> list[str]:
    """The hand-written keywords, then words and word pairs of the papers (no function
    words: nobody subscribes to "which")."""
    vocab = [w.strip() for w in READER_KEYWORDS.replace("\n", "").split("|")]
    words = [
        w.lower()
        for p in papers
        for w in ALPHA.findall(p.title + " " + p.abstract)
        if background_rate(normalize_word(w)[0]) < 0.5
    ]
    seen = set(vocab)
    for _ in range(50 * size if len(words) > 1 else 0):  # a few papers may not have ``size`` keywords
        if len(vocab) >= size:
            break
        i = rng.randrange(len(words) - 1)
        kw = words[i] if rng.random() < 0.6 else f"{words[i]} {words[i + 1]}"
        if kw not in seen:
            seen.add(kw)
            vocab.append(kw)
    return vocab


def make_profiles(n: int, vocab: list[str], rng: random.Random) -> list[Profile]:
    # Readers favour the hand-written keywords: a Zipf-like draw over the vocabulary.
    weights = [1.0 / (i + 10) for i in range(len(vocab))]
    profiles = []
    for u in range(n):
        k = rng.randint(5, 15)
        phrases = list(dict.fromkeys(rng.choices(vocab, weights, k=k)))
        interests = tuple(Interest(p, rng.choice((1.0, 1.0, 1.0, 2.0, 0.5))) for p in phrases)
        exclude = tuple(rng.sample(vocab[:50], 1)) if rng.random() < 0.1 else ()
        profiles.append(Profile(f"u{u}", f"u{u}@example.org", interests, exclude=exclude))
    return profiles


def naive_rank(papers: list[Paper], profile: Profile, limit: int) -> list[Match]:
    """The baseline: the same ranking with nothing shared between readers (an index per reader)."""
    return rank(papers, profile, limit)


class GcTimer:
    """Time spent in Python's cyclic garbage collector (part of the wall-clock time)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._start = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profiles", type=int, default=100_000)
    ap.add_argument("--papers", type=int, default=300)
    ap.add_argument("--naive-sample", type=int, default=100)
    ap.add_argument("--single-sample", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=0, help="profiles per rank_many call (0: all, as send)")
    ap.add_argument("--seed", type=int, default=1)
    add_paper_options(ap)
    a = ap.parse_args(argv)
    a.batch = a.batch or a.profiles
    rng = random.Random(a.seed)
    papers, origin = papers_of(a, rng)
    vocab = vocabulary(papers, rng)
    profiles = make_profiles(a.profiles, vocab, rng)
    n_interests = sum(len(p.interests) for p in profiles)
    print(f"papers: {len(papers)} ({origin})")
    print(
        f"profiles: {len(profiles):,} with {n_interests:,} interests "
        f"from a vocabulary of {len(vocab):,} keywords"
    )
    rss_before = maxrss_mib()
    gc_timer = GcTimer()

    c0, t0 = time.process_time(), time.perf_counter()
    index = PaperIndex.build(papers)
    c1, t1 = time.process_time(), time.perf_counter()
    returned = with_hits = 0
    first: list[list[Match]] = []
    for start in range(0, len(profiles), a.batch):
        batch = profiles[start : start + a.batch]
        ranked = rank_many(index, batch, limit=[p.max_papers for p in batch])
        returned += sum(len(r) for r in ranked)
        with_hits += sum(1 for r in ranked for m in r if m.hits)
        first = first or ranked
        del ranked  # as a run that sends them as it goes
    c2, t2 = time.process_time(), time.perf_counter()
    gc_seconds, gc_runs = gc_timer.seconds, gc_timer.collections
    total = t2 - t0
    print(f"index build: {1000 * (t1 - t0):.0f} ms (CPU {1000 * (c1 - c0):.0f} ms)")
    print(
        f"ranking (rank_many, top max_papers with keywords and hits): {t2 - t1:.2f} s "
        f"(CPU {c2 - c1:.2f} s) for {len(profiles):,} profiles, "
        f"{1e6 * (t2 - t1) / len(profiles):.1f} us per profile; "
        f"{returned:,} matches, {with_hits:,} with hits"
    )
    print(f"total (build + rank): {total:.2f} s (CPU {c2 - c0:.2f} s)")
    print(f"  of which Python's cyclic GC: {gc_seconds:.2f} s in {gc_runs:,} collections")
    print(
        f"peak memory (maxrss): {maxrss_mib():.0f} MiB, "
        f"{maxrss_mib() - rss_before:.0f} MiB more than before the run"
    )

    # The same profiles one at a time (the keywords are matched already: warm index).
    sample = profiles[: min(a.single_sample, a.batch, len(profiles))]
    t5 = time.perf_counter()
    single = [index.rank(p, limit=p.max_papers) for p in sample]
    t6 = time.perf_counter()
    print(
        f"one profile at a time (PaperIndex.rank, warm index): "
        f"{1e6 * (t6 - t5) / len(sample):.1f} us per profile on {len(sample):,} profiles; "
        f"identical to rank_many: {single == first[: len(sample)]}"
    )

    sample = profiles[: min(a.naive_sample, len(profiles))]
    t3 = time.perf_counter()
    naive = [naive_rank(papers, profile, profile.max_papers) for profile in sample]
    t4 = time.perf_counter()
    naive_per = (t4 - t3) / len(sample)
    naive_total = naive_per * len(profiles)
    print(
        f"naive loop: {1e3 * naive_per:.2f} ms per profile on {len(sample):,} profiles, "
        f"{naive_total:.0f} s extrapolated to {len(profiles):,}; "
        f"same ranking as rank_many: {naive == first[: len(sample)]}"
    )
    print(f"speed-up over naive (total): {naive_total / total:.0f}x")


if __name__ == "__main__":
    main()
