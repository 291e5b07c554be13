"""PaperIndex.rank_many gives exactly what PaperIndex.rank gives, profile by profile."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from digest.models import Interest, Paper, Profile
from digest.select import batch
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex

_WORDS = (
    "pruning sparse distillation quantization early exit lottery ticket grokking optimization "
    "optimizer generalization loss landscape spiking neural networks SNN SNNs event-driven "
    "event driven diffusion models transformer attention graph neural network GNN CT MRI "
    "reinforcement learning robot control policy agents reasoning code generation quantum PDE"
)
WORDS = _WORDS.split()
_FILLER = "we propose a method that improves results on standard benchmarks and"
FILLER = _FILLER.split()


def papers(n: int, rng: random.Random) -> list[Paper]:
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        abstract = " ".join(rng.choice(WORDS if rng.random() < 0.2 else FILLER) for _ in range(60))
        out.append(Paper(1000 - 7 * i, title.capitalize(), abstract, dt.date(2024, 1, 1)))
    # exact ties: the same paper under three ids
    out += [Paper(5000 + j, out[0].title, out[0].abstract, dt.date(2024, 1, 1)) for j in (3, 1, 2)]
    return out


def profiles(n: int, rng: random.Random) -> list[Profile]:
    vocab = WORDS + [f"{a} {b}" for a, b in zip(WORDS, WORDS[1:], strict=False)] + ["--", "zyzzyva"]
    out = []
    for u in range(n):
        interests = tuple(
            Interest(rng.choice(vocab), rng.choice((1.0, 0.5, 2.0, 1.5)))
            for _ in range(rng.randint(0, 15))  # repeats and unmatched phrases included
        )
        exclude = tuple(rng.sample(vocab, rng.choice((0, 0, 0, 1, 2))))
        min_score = rng.choice((0.0, 0.0, 0.0, 0.3, 1.0))
        out.append(Profile(f"u{u}", f"u{u}@example.org", interests, exclude=exclude, min_score=min_score))
    return out


@pytest.mark.parametrize("limit", [None, 10, 3, 1])
def test_rank_many_equals_rank_for_every_profile(limit):
    rng = random.Random(limit or 0)
    index = PaperIndex.build(papers(120, rng))
    many = profiles(3000, rng)
    expected = [index.rank(p, limit) for p in many]  # the one-profile-at-a-time path first
    got = rank_many(PaperIndex.build(index.papers), many, limit)  # a fresh index: no shared cache
    assert sum(len(m) for m in expected) > 1000
    for profile, want, have in zip(many, expected, got, strict=True):
        # Match equality compares paper, score (as floats: bit for bit), keywords and hits
        assert have == want, profile


@pytest.mark.parametrize("batch", [1, 7, 25])
def test_rank_many_in_small_batches_on_one_index_equals_rank(batch):
    # as the daemon ranks the readers it claims: each call may match phrases the index has not
    # seen, and the arrays kept with the index grow with them (more rows than at first)
    rng = random.Random(batch)
    index = PaperIndex.build(papers(90, rng))
    many = profiles(600, rng)
    calls = [many[start : start + batch] for start in range(0, len(many), batch)]
    got = [matches for call in calls for matches in rank_many(index, call, 5)]
    fresh = PaperIndex.build(index.papers)
    assert index.rows > 64  # past the first size of the kept arrays
    assert got == [fresh.rank(p, 5) for p in many]


def test_rank_many_with_per_profile_limits_and_skipped_papers():
    rng = random.Random(7)
    index = PaperIndex.build(papers(80, rng))
    many = profiles(500, rng)
    limits = [rng.choice((None, 0, 1, 5, 10)) for _ in many]
    ids = [p.id for p in index.papers]
    skip = [set(rng.sample(ids, rng.randint(0, 20))) | {999_999} for _ in many]
    got = rank_many(index, many, limits, skip)
    for profile, limit, gone, have in zip(many, limits, skip, got, strict=True):
        full = [m for m in index.rank(profile) if m.paper.id not in gone]
        want = full if limit is None else full[:limit]
        assert have == want


@pytest.mark.parametrize("block", [1, 7, 64])
def test_scoring_in_small_blocks_changes_no_ranking(monkeypatch, block):
    # the scores are taken a cache-sized block of profiles at a time: blocks of 1, 7 and 64
    # profiles, with exclusions, skipped papers, per-profile limits and added scores (what the
    # readers' models add), rank as the default block does, and as rank() does without them
    rng = random.Random(block)
    index = PaperIndex.build(papers(80, rng))
    many = profiles(700, rng)
    limits = [rng.choice((None, 1, 5, 10)) for _ in many]
    ids = [p.id for p in index.papers]
    skip = [set(rng.sample(ids, rng.randint(0, 10))) for _ in many]
    bonus = np.random.default_rng(block).random((len(many), len(index.papers)))

    def extra(stack: list[int]) -> np.ndarray:
        return bonus[stack]

    expected = rank_many(index, many, limits, skip, extra)
    monkeypatch.setattr(batch, "SCORE_BLOCK", block * len(index.papers))
    assert rank_many(index, many, limits, skip, extra) == expected
    assert rank_many(index, many, limits, skip) == [
        [m for m in index.rank(p) if m.paper.id not in gone][:limit]
        for p, gone, limit in zip(many, skip, limits, strict=True)
    ]


def test_rank_many_edge_cases():
    rng = random.Random(3)
    index = PaperIndex.build(papers(10, rng))
    assert rank_many(index, []) == []
    assert rank_many(PaperIndex.build([]), profiles(3, rng)) == [[], [], []]
    with pytest.raises(ValueError):
        rank_many(index, profiles(2, rng), limit=[1])


def test_rank_many_equals_rank_for_a_profile_with_hundreds_of_interests():
    # more interests than a byte can count: the coverage count is kept wider for them
    rng = random.Random(11)
    index = PaperIndex.build(papers(60, rng))
    phrases = list(dict.fromkeys(f"{a} {b}" for a in WORDS for b in WORDS if a != b))[:300]
    many = [Profile("wide", "wide@example.org", tuple(Interest(p) for p in phrases)), *profiles(20, rng)]
    got = rank_many(PaperIndex.build(index.papers), many, 10)
    assert len(got[0]) == 10
    assert got == [index.rank(p, 10) for p in many]


def test_a_matchs_hits_are_the_indexs_own_tuples_one_per_keyword_with_hits():
    rng = random.Random(11)
    index = PaperIndex.build(papers(60, rng))
    many = profiles(300, rng)
    for ranked in (rank_many(index, many, 10), [index.rank(p, 10) for p in many]):
        for match in (m for matches in ranked for m in matches):
            d = index.papers.index(match.paper)
            kept = [index.hit_slots.get(k.id, d) for k in index.keyword_list]  # per keyword, this paper
            for group in match.hits:
                assert group  # no empty groups: a keyword without hits has none
                assert any(group is pair for pair in kept)  # the index's tuple: shared, not copied
            assert match.all_hits == tuple(h for group in match.hits for h in group)
