"""Highlights made for many (keyword, paper) pairs at once (what rank_many asks for) are the
ones made pair by pair, word by word, on papers written to trip them up: hyphenated
compounds, joined and split spellings, plurals, related forms, acronyms and function words."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from digest.models import Interest, Paper, Profile
from digest.select import highlights
from digest.select.matcher import PaperIndex
from digest.select.postings import Postings, Term
from digest.select.text import tokenize

# fmt: off
WORDS = [
    "event", "driven", "event-driven", "eventdriven", "Event-Driven", "rank", "ranking", "ranks",
    "low-rank", "lowrank", "optimization", "optimizer", "optimized", "training", "trained",
    "Training", "TRAINING", "model", "models", "modeling", "LLM", "LLMs", "large", "language",
    "network", "networks", "neural", "graph", "graphs", "robust", "robustness", "learning",
    "learned", "fine-tuning", "finetuning", "fine", "tuning", "chain-of-thought", "chain", "of",
    "thought", "sim-to-real", "multi-agent", "multiagent", "agents", "self-supervised", "supervised",
]
FILLER = ["we", "propose", "a", "study", "of", "the", "method", "and", "show", "results", "on", "it"]
# fmt: on


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n)]
    return "".join(w + rng.choice((" ", " ", " ", "-", ", ", "/")) for w in words)


def _papers(seed: int, n: int = 90) -> list[Paper]:
    rng = random.Random(seed)
    day = dt.date(2026, 12, 1)
    texts = [(_text(rng, rng.randint(1, 8)), _text(rng, rng.randint(0, 50))) for _ in range(n)]
    return [Paper(i + 1, title, abstract, day) for i, (title, abstract) in enumerate(texts)]


def _readers(seed: int, n: int = 60) -> list[Profile]:
    rng = random.Random(seed)
    phrases = list(dict.fromkeys(WORDS)) + [" ".join(rng.sample(WORDS, rng.randint(2, 3))) for _ in range(80)]
    # interests whose words are forms of one another (each span once), and the plain ones
    phrases += ["optimization optimizer", "training trained models", "learning learned", "event driven"]
    return [
        Profile(f"u{u}", f"u{u}@example.org", tuple(map(Interest, rng.sample(phrases, rng.randint(1, 10)))))
        for u in range(n)
    ]


def test_a_words_spans_in_every_paper_are_its_spans_in_each_paper():
    papers = _papers(1)
    postings = Postings([(p.title, p.abstract) for p in papers])
    terms = {Term(t.norm, t.stem) for p in papers for t in tokenize(f"{p.title} {p.abstract}")}
    terms |= {Term(t.norm, t.stem) for t in tokenize("eventdriven lowrank finetuning multiagent zyzzyva")}
    for term in terms:
        one_by_one = [(d, *span) for d in range(len(papers)) for span in postings.word_spans(term, d)]
        assert postings.word_spans_everywhere(term) == one_by_one, term


def test_hits_made_for_many_pairs_at_once_are_those_made_pair_by_pair():
    for seed in (1, 2, 3):
        papers, readers = _papers(seed), _readers(seed)
        many, one = PaperIndex.build(papers), PaperIndex.build(papers)
        for reader in readers:  # the same keywords, in the same order, in both indexes
            many.interests(reader)
            one.interests(reader)
        n_keywords, n_papers = len(many.keyword_list), len(papers)
        # every pair, in shuffled calls large enough for the arrays (the words laid out call by call)
        pairs = np.random.default_rng(seed).permutation(n_keywords * n_papers)
        calls = np.array_split(pairs, 3)
        assert min(map(len, calls)) >= highlights.MANY_PAIRS
        for call in calls:
            many.fill_hits(call // n_papers, call % n_papers)
        words_hits = 0
        for k, twin in zip(many.keyword_list, one.keyword_list, strict=True):
            for d in range(n_papers):
                assert many.hit_slots.get(k.id, d) == one.hits(twin, d), (k.phrase, d)
                words_hits += k.parent is not None and len(many.hit_slots.get(k.id, d)) > 1
        assert words_hits > 100


def test_an_index_keeps_highlight_slots_for_the_papers_asked_about_not_for_every_paper():
    """A reader's top 10 of 4,000 papers asks for the hits of a few pairs: the index keeps
    slots for those papers only (a slot for every keyword and paper took 1,088 bytes a paper
    from the start, 104 MiB at 100,000 papers: benchmarks/bench_hit_slots.py). Asked about
    every paper, it has them all, and the same hits as a fresh index."""
    day = dt.date(2026, 12, 1)
    papers = [
        Paper(d + 1, f"Paper {d} on graphs", "Robots grasp cups with graph planning.", day)
        for d in range(4_000)
    ]
    reader = Profile("ada", "ada@example.org", (Interest("graph planning"), Interest("robots")))
    index = PaperIndex.build(papers)
    top = index.rank(reader, 10)
    assert len(top) == 10 and all(m.hits for m in top)
    asked = index.hit_slots.papers
    assert sorted(index.papers[d].id for d in asked) == sorted(m.paper.id for m in top)
    everything = index.rank(reader)
    assert len(everything) == len(papers)
    assert sorted(index.hit_slots.papers) == list(range(len(papers)))
    fresh = PaperIndex.build(papers)
    assert [m.hits for m in everything] == [m.hits for m in fresh.rank(reader)]
