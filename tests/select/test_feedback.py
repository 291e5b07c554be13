"""Learning from ratings: a rating changes the next ranking at once (issue 11)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digest.errors import StoreError
from digest.models import Interest, Paper, Profile
from digest.select.feedback import LIKED, FeedbackRanker
from digest.select.matcher import PaperIndex
from digest.store import Store

from conftest import NOW, make_dump

DAY = dt.date(2024, 3, 14)
PAPERS = [
    Paper(1, "Graph neural networks for molecules", "Message passing on molecular graphs.", DAY),
    Paper(2, "Protein folding with equivariant networks", "Equivariant message passing folds proteins.", DAY),
    Paper(3, "Molecular docking by equivariant message passing", "Docking proteins and ligands.", DAY),
    Paper(4, "Speech recognition with transformers", "Audio tokens and attention for speech.", DAY),
    Paper(5, "Music generation with diffusion", "Audio diffusion models compose music.", DAY),
    Paper(6, "Sorting algorithms revisited", "Quicksort and mergesort on modern caches.", DAY),
]


def reader(*phrases: str, likes: tuple[str, ...] = ()) -> Profile:
    return Profile(
        user="ada", email="ada@example.org", interests=tuple(Interest(p) for p in phrases), likes=likes
    )


def ranker(ratings: dict[int, int]) -> FeedbackRanker:
    return FeedbackRanker(PaperIndex.build(PAPERS), lambda user: ratings)


def test_without_ratings_the_ranking_is_the_keyword_ranking():
    profile = reader("graph neural networks")
    assert ranker({}).rank(profile) == PaperIndex.build(PAPERS).rank(profile)


def test_a_paper_no_keyword_reaches_enters_through_what_the_reader_liked():
    profile = reader("graph neural networks")
    before = [m.paper.id for m in ranker({}).rank(profile)]
    assert 3 not in before
    after = ranker({2: 1}).rank(profile)
    ids = [m.paper.id for m in after]
    assert 3 in ids
    liked = next(m for m in after if m.paper.id == 3)
    assert LIKED in liked.keywords


def test_a_rating_of_a_paper_outside_the_ranked_ones_teaches_the_model_too():
    """A reader rates a paper of a digest already sent; the next digest is ranked from newer papers."""
    older, newer = PAPERS[1], PAPERS[2:]  # the liked protein paper was in an earlier window
    profile = reader("graph neural networks")
    lookup = {p.id: p for p in PAPERS}
    ranker = FeedbackRanker(
        PaperIndex.build(newer), lambda user: {older.id: 1}, lambda ids: [lookup[i] for i in ids]
    )
    ids = [m.paper.id for m in ranker.rank(profile)]
    assert ids[0] == 3  # docking by equivariant message passing: like the protein paper
    assert older.id not in ids
    blind = FeedbackRanker(PaperIndex.build(newer), lambda user: {older.id: 1})  # cannot look it up
    assert blind.rank(profile) == PaperIndex.build(newer).rank(profile)


def test_a_paper_rated_down_is_left_out():
    profile = reader("graph neural networks")
    assert 1 not in [m.paper.id for m in ranker({1: -1}).rank(profile)]


def test_titles_the_profile_likes_are_a_cold_start():
    profile = reader("graph neural networks", likes=("Music generation with diffusion",))
    ids = [m.paper.id for m in ranker({}).rank(profile)]
    assert 4 in ids  # speech, close to the liked music paper, though no keyword reaches it


def test_min_score_applies_to_the_final_score():
    interests = (Interest("graph neural networks"),)
    profile = Profile(user="ada", email="a@b", interests=interests, min_score=100.0)
    assert ranker({2: 1}).rank(profile) == []


def test_ratings_live_in_the_store_and_survive_reopening(tmp_path):
    path = tmp_path / "digest.db"
    with Store(path) as store:
        store.db.execute(
            "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) "
            "VALUES (7, 'k', 't', 'a', ?, ?)",
            (DAY.isoformat(), NOW.isoformat()),
        )
        store.rate("ada", 7, 1, NOW)
        store.rate("bob", 7, -1, NOW)
        with pytest.raises(StoreError, match="no paper with id 99"):
            store.rate("ada", 99, 1, NOW)
    with Store(path) as store:
        assert store.ratings("ada") == {7: 1} and store.ratings("bob") == {7: -1}
        store.rate("ada", 7, None, NOW)
        assert store.ratings("ada") == {} and store.has_preferences()


def test_digest_feedback_changes_the_next_rank_at_once(workspace):
    workspace.dump("day.txt", make_dump("Mar 14", [(p.title, p.abstract) for p in PAPERS]))
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  - graph neural networks\n")
    workspace.cli("ingest")
    rows = json.loads(workspace.cli("rank", "ada", "--json").output)
    titles = [r["title"] for r in rows]
    assert "Molecular docking by equivariant message passing" not in titles
    ids = {r["title"]: r["id"] for r in rows}
    result = workspace.cli("feedback", "ada", str(ids["Graph neural networks for molecules"]), "up")
    assert result.exit_code == 0, result.output
    again = [r["title"] for r in json.loads(workspace.cli("rank", "ada", "--json").output)]
    assert "Molecular docking by equivariant message passing" in again
    cleared = workspace.cli("feedback", "ada", str(ids["Graph neural networks for molecules"]), "clear")
    assert cleared.exit_code == 0
    assert [r["title"] for r in json.loads(workspace.cli("rank", "ada", "--json").output)] == titles


def test_feedback_on_an_unknown_paper_is_a_clean_error(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  - graph neural networks\n")
    result = workspace.cli("feedback", "ada", "12345", "up")
    assert result.exit_code != 0 and "no paper with id 12345" in result.output
