"""Highlights made for many (keyword, paper) pairs at once (what rank_many asks for) are the
ones made pair by pair, word by word, on papers written to trip them up: hyphenated
compounds, joined and split spellings, plurals, related forms, acronyms and function words."""

from __future__ import annotations

import datetime as dt

import numpy as np
from helpers.random_readers import _papers, _readers

from digest.models import Interest, Paper, Profile
from digest.select import highlights
from digest.select.matcher import PaperIndex
from digest.select.postings import Postings, Term
from digest.select.text import tokenize


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
