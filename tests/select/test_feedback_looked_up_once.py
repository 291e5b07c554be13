"""A reader's ranking looks up their ratings and their `like:` titles once: `digest rank` and
`digest preview` of a reader with `like:` ran the liked-titles query twice (the model fitted for
the scores, then again for the papers rated down), a reader with ratings read them three times."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from digest.models import Interest, Paper, Profile
from digest.select.feedback import FeedbackRanker
from digest.select.matcher import PaperIndex

DAY = dt.date(2024, 3, 14)
TITLES = [
    ("Graph neural networks for molecules", "Message passing on molecular graphs."),
    ("Protein folding with equivariant networks", "Equivariant message passing folds proteins."),
    ("Molecular docking by equivariant message passing", "Docking proteins and ligands."),
    ("Speech recognition with transformers", "Audio tokens and attention for speech."),
    ("Music generation with diffusion", "Audio diffusion models compose music."),
    ("Sorting algorithms revisited", "Quicksort and mergesort on modern caches."),
    ("Cache-oblivious B-trees", "Search trees that adapt to the memory hierarchy."),
    ("Consensus in asynchronous networks", "Byzantine agreement with authenticated messages."),
    ("Register allocation by graph coloring", "A compiler pass that spills fewer variables."),
    ("Lock-free hash tables", "Open addressing with atomic compare-and-swap."),
]
PAPERS = [Paper(i + 1, title, abstract, DAY) for i, (title, abstract) in enumerate(TITLES)]
# stored before the papers ranked: found by the liked-titles lookup
OLDER = Paper(99, "Equivariant networks for crystals", "Message passing on crystal graphs.", DAY)


def reader(*phrases: str, likes: tuple[str, ...] = ()) -> Profile:
    return Profile(
        user="ada", email="ada@example.org", interests=tuple(Interest(p) for p in phrases), likes=likes
    )


def counting(ratings: dict[int, int]) -> tuple[FeedbackRanker, Counter]:
    asked: Counter = Counter()

    def rated(user: str) -> dict[int, int]:
        asked["ratings"] += 1
        return ratings

    def liked(titles: tuple[str, ...]) -> dict[str, list[int]]:
        asked["liked titles"] += 1
        return {"equivariant networks for crystals": [OLDER.id]}

    papers_of = lambda ids: [OLDER] if OLDER.id in ids else []  # noqa: E731
    return FeedbackRanker(PaperIndex.build(PAPERS), rated, papers_of=papers_of, liked=liked), asked


@pytest.mark.parametrize(
    "ratings, likes",
    [
        ({}, ("Equivariant networks for crystals",)),  # likes alone
        ({2: 1, 6: -1}, ()),  # ratings alone
        ({2: 1, 6: -1}, ("Equivariant networks for crystals",)),  # both
        ({6: -1}, ()),  # only a paper rated down: no model, its paper left out
        ({}, ()),  # neither
    ],
)
def test_a_ranking_looks_up_the_readers_ratings_and_likes_once(ratings, likes):
    profile = reader("graph neural networks", likes=likes)
    fresh, asked = counting(ratings)
    ranked = fresh.rank(profile)
    want = Counter({"ratings": 1, "liked titles": 1 if likes else 0})
    assert +asked == +want, f"{dict(asked)} for one `rank` (want {dict(+want)})"
    again, _ = counting(ratings)  # the same ranking as a ranker that fits and ranks in two steps
    again.fit(profile)
    assert again.rank(profile) == ranked
    if 6 in ratings:
        assert 6 not in [m.paper.id for m in ranked]
