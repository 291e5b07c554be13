"""Speed and memory of the matcher: one listing, many reader profiles.

Ranks ~300 papers (the shared dumps if present, topped up or replaced by generated papers)
for N generated profiles of 5-15 interests each (single words and multi-word phrases), top
``max_papers`` (10) per profile with hits, as the digest run does. Compares with a naive
loop (every keyword searched with a regex in every paper for every profile), timed on a
sample of the profiles and extrapolated.

    python benchmarks/bench_matcher.py [--profiles 100000] [--naive-sample 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import resource
import time

import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import DEFAULT_DUMPS, read_dumps

from digest.background import background_rate
from digest.matcher import PaperIndex
from digest.models import Interest, Paper, Profile
from digest.text import normalize_word

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


def load_papers(count: int, rng: random.Random) -> tuple[list[Paper], str]:
    papers: list[Paper] = []
    origin = "generated"
    if DEFAULT_DUMPS.is_dir():
        papers = read_dumps(DEFAULT_DUMPS)[:count]
        origin = f"{len(papers)} from {DEFAULT_DUMPS}"
    missing = count - len(papers)
    if missing > 0:
        papers += generated_papers(missing, rng, start=len(papers) + 1)
        if origin != "generated":
            origin += f" + {missing} generated"
    return papers, origin


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
    while len(vocab) < size and words:
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


def naive_rank(papers: list[Paper], profile: Profile, limit: int) -> list[tuple[float, int]]:
    """The baseline: every keyword searched in every paper with a regex."""
    scored = []
    for paper in papers:
        if any(
            re.search(rf"\b{re.escape(x)}", paper.title + " " + paper.abstract, re.IGNORECASE)
            for x in profile.exclude
        ):
            continue
        score = 0.0
        for interest in profile.interests:
            pattern = rf"\b{re.escape(interest.phrase)}"
            t = len(re.findall(pattern, paper.title, re.IGNORECASE))
            a = len(re.findall(pattern, paper.abstract, re.IGNORECASE))
            score += interest.weight * (3 * t + a)
        if score > 0:
            scored.append((-score, paper.id))
    scored.sort()
    return scored[:limit]


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profiles", type=int, default=100_000)
    ap.add_argument("--papers", type=int, default=300)
    ap.add_argument("--naive-sample", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    papers, origin = load_papers(a.papers, rng)
    vocab = vocabulary(papers, rng)
    profiles = make_profiles(a.profiles, vocab, rng)
    n_interests = sum(len(p.interests) for p in profiles)
    print(f"papers: {len(papers)} ({origin})")
    print(
        f"profiles: {len(profiles):,} with {n_interests:,} interests "
        f"from a vocabulary of {len(vocab):,} keywords"
    )
    rss_before = maxrss_mib()

    t0 = time.perf_counter()
    index = PaperIndex.build(papers)
    t1 = time.perf_counter()
    returned = 0
    for profile in profiles:
        returned += len(index.rank(profile, limit=profile.max_papers))
    t2 = time.perf_counter()
    total = t2 - t0
    print(f"index build: {1000 * (t1 - t0):.1f} ms")
    print(
        f"ranking: {t2 - t1:.2f} s for {len(profiles):,} profiles "
        f"({1e6 * (t2 - t1) / len(profiles):.1f} us per profile, {returned:,} matches)"
    )
    print(f"total (build + rank): {total:.2f} s")
    print(
        f"peak memory (maxrss): {maxrss_mib():.0f} MiB, "
        f"{maxrss_mib() - rss_before:.0f} MiB more than before the run"
    )

    sample = profiles[: min(a.naive_sample, len(profiles))]
    t3 = time.perf_counter()
    for profile in sample:
        naive_rank(papers, profile, profile.max_papers)
    t4 = time.perf_counter()
    naive_per = (t4 - t3) / len(sample)
    naive_total = naive_per * len(profiles)
    print(
        f"naive loop: {1e3 * naive_per:.2f} ms per profile on {len(sample):,} profiles, "
        f"{naive_total:.0f} s extrapolated to {len(profiles):,}"
    )
    print(f"speed-up over naive: {naive_total / total:.0f}x")


if __name__ == "__main__":
    main()
