"""Learning from ratings: a rating changes the next ranking at once (issue 11)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from helpers.listings import OTHER_SUBJECTS

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
# The rest of a listing: papers on other subjects (a model tells what a reader likes from
# what a listing mostly is, so a listing of six papers would be no test of it).
PAPERS += [Paper(7 + i, t, a, DAY) for i, (t, a) in enumerate(OTHER_SUBJECTS)]


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
    liked = [ids["Graph neural networks for molecules"], ids["Protein folding with equivariant networks"]]
    before = {r["title"]: r["score"] for r in rows}
    first = workspace.cli("feedback", "ada", str(liked[0]), "up")
    assert first.exit_code == 0, first.output
    once = {r["title"]: r["score"] for r in json.loads(workspace.cli("rank", "ada", "--json").output)}
    assert once != before  # one rating already moves the ranking (the model's say grows with more)
    result = workspace.cli("feedback", "ada", str(liked[1]), "up")
    assert result.exit_code == 0, result.output
    again = [r["title"] for r in json.loads(workspace.cli("rank", "ada", "--json").output)]
    assert "Molecular docking by equivariant message passing" in again
    for paper in liked:
        assert workspace.cli("feedback", "ada", str(paper), "clear").exit_code == 0
    assert [r["title"] for r in json.loads(workspace.cli("rank", "ada", "--json").output)] == titles


@pytest.mark.parametrize("command", [("rank", "ada", "--json"), ("rank", "ada", "--next", "--json")])
def test_titles_a_profile_likes_count_before_anyone_has_rated_anything(workspace, command):
    workspace.dump("day.txt", make_dump("Mar 14", [(p.title, p.abstract) for p in PAPERS]))
    workspace.profile(
        "ada",
        "email: ada@example.org\ninterests:\n  - graph neural networks\n"
        "like:\n  - Music generation with diffusion\n",
    )
    workspace.cli("ingest")
    rows = json.loads(workspace.cli(*command).output)
    through_likes = [r["title"] for r in rows if LIKED in r["matches"]]
    assert "Music generation with diffusion" in through_likes  # no keyword reaches it
    with Store(workspace.config.database) as store:
        assert not store.has_preferences()  # no rating in the database: the profile's like: alone


@pytest.mark.backends  # the previous rating is read on SQLite and PostgreSQL alike
def test_digest_feedback_says_what_each_rating_replaced(workspace):
    workspace.dump("day.txt", make_dump("Mar 14", [(p.title, p.abstract) for p in PAPERS]))
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  - graph neural networks\n")
    workspace.cli("ingest")
    paper = str(json.loads(workspace.cli("rank", "ada", "--json").output)[0]["id"])
    ratings = ("clear", "up", "up", "down", "clear")
    said = [workspace.cli("feedback", "ada", paper, r).output.strip() for r in ratings]
    assert said == [
        f"ada: paper {paper} had no rating to clear.",
        f"ada: paper {paper} rated up.",
        f"ada: paper {paper} already rated up.",
        f"ada: paper {paper} rated down (was up).",
        f"ada: paper {paper} cleared (was down).",
    ]
    with Store(workspace.config.database) as store:
        assert store.ratings("ada") == {}


def test_feedback_on_an_unknown_paper_is_a_clean_error(workspace):
    workspace.profile("ada", "email: ada@example.org\ninterests:\n  - graph neural networks\n")
    result = workspace.cli("feedback", "ada", "12345", "up")
    assert result.exit_code != 0 and "no paper with id 12345" in result.output


def test_a_rating_of_a_paper_outside_the_listing_still_teaches_the_model():
    # The day's digest ranks the day's papers; the papers rated were in earlier digests.
    earlier, today = PAPERS[1:2], [p for p in PAPERS if p.id != 2]
    ranker = FeedbackRanker(
        PaperIndex.build(today),
        lambda user: {2: 1},
        papers_of=lambda ids: [p for p in earlier if p.id in ids],
    )
    ids = [m.paper.id for m in ranker.rank(reader("graph neural networks"))]
    assert 3 in ids  # docking, close to the protein paper liked yesterday


def test_many_readers_at_once_rank_as_one_reader_at_a_time():
    ratings = {"ada": {2: 1, 4: -1}, "bob": {5: 1}, "cy": {}, "dee": {6: -1}}
    profiles = [
        Profile(user="ada", email="a@b", interests=(Interest("graph neural networks"),)),
        Profile(user="bob", email="b@b", interests=(Interest("speech"), Interest("audio", 2.0))),
        Profile(user="cy", email="c@b", interests=(Interest("sorting"),)),
        Profile(user="dee", email="d@b", interests=(Interest("sorting"), Interest("caches")), max_papers=1),
    ]
    ranker = FeedbackRanker(PaperIndex.build(PAPERS), lambda user: ratings[user])
    one_by_one = [ranker.rank(p, limit) for p, limit in zip(profiles, [3, None, 2, 1], strict=True)]
    assert ranker.rank_many(profiles, [3, None, 2, 1]) == one_by_one
    skipped = ranker.rank_many(profiles, None, [{1}, set(), set(), set()])
    assert skipped[0] == [m for m in ranker.rank(profiles[0]) if m.paper.id != 1]


def test_a_model_is_refitted_only_when_the_ratings_change():
    ratings = {2: 1}
    ranker = FeedbackRanker(PaperIndex.build(PAPERS), lambda user: dict(ratings))
    profile = reader("graph neural networks")
    first = ranker.fit(profile)
    assert ranker.fit(profile) is first
    ratings[4] = -1
    assert ranker.fit(profile) is not first


def test_with_semantic_matching_the_model_learns_from_the_embeddings():
    from digest.select.features import EmbeddingFeatures
    from digest.select.semantic import Embedder, SemanticIndex

    class Topics:
        """A stand-in embedding model: one dimension per topic word."""

        words = ("molecul", "protein", "docking", "speech", "music", "sort")

        def encode(self, sentences, **kwargs):
            out = np.full((len(sentences), len(self.words) + 1), 0.05, dtype=np.float32)
            for i, text in enumerate(sentences):
                for j, word in enumerate(self.words):
                    out[i, j] += text.lower().count(word)
            return out

    embedder = Embedder(Topics())
    base = SemanticIndex.build(PAPERS, embedder)
    features = EmbeddingFeatures(
        PAPERS,
        base.vectors,
        lambda papers: embedder.embed_papers(papers),
        lambda t: embedder.embed_phrases([t])[0],
    )
    # music liked; molecules and sorting not (the model's say grows with the ratings)
    ranker = FeedbackRanker(base, lambda user: {5: 1, 1: -1, 6: -1}, features=features)
    ranked = {m.paper.id: m for m in ranker.rank(reader("graph neural networks"))}
    assert LIKED in ranked[5].keywords  # music, from the embeddings alone
    assert ranked[5].score > max(ranked[d].score for d in (4, 6) if d in ranked)


def test_a_reader_whose_interests_match_nothing_here_still_gets_what_their_model_finds():
    profile = reader("quantum error correction")
    ranker = FeedbackRanker(PaperIndex.build(PAPERS), lambda user: {2: 1})
    alone = ranker.rank(profile)
    assert alone and ranker.rank_many([profile], None) == [alone]


def test_the_model_has_more_say_as_ratings_accumulate():
    from digest.select.feedback import FEEDBACK_WEIGHT, HALF_RATINGS, say_of

    profile = reader("graph neural networks")
    one = ranker({2: 1}).fit(profile)
    many = ranker({2: 1, 3: 1, 4: -1, 5: -1, 6: -1}).fit(profile)
    assert one.weight == pytest.approx(FEEDBACK_WEIGHT / (1 + HALF_RATINGS))
    assert one.weight < many.weight < FEEDBACK_WEIGHT
    assert say_of(HALF_RATINGS) == pytest.approx(0.5)


def test_papers_unlike_the_liked_ones_lose_a_little_and_the_one_rated_down_is_left_out():
    profile = reader("message passing")
    affinity = ranker({1: 1, 2: -1}).affinity(profile)
    position = {p.id: d for d, p in enumerate(PAPERS)}
    assert affinity[position[4]] < 0.0 < affinity[position[3]]  # speech loses, docking gains
    assert 2 not in [m.paper.id for m in ranker({1: 1, 2: -1}).rank(profile)]


def test_with_semantic_matching_the_model_sees_words_and_embeddings_side_by_side():
    from digest.select.features import CombinedFeatures, EmbeddingFeatures, TextFeatures

    vectors = np.eye(len(PAPERS), 4, dtype=np.float32)
    embeddings = EmbeddingFeatures(PAPERS, vectors, lambda ps: vectors[: len(ps)], lambda t: vectors[0])
    text = TextFeatures(PAPERS)
    both = CombinedFeatures(text, embeddings)
    assert both.matrix.shape == (len(PAPERS), text.dimension + 4)
    assert both.profile(reader("graph neural networks")).shape == (1, text.dimension + 4)
    assert both.of(PAPERS[:2]).shape == (2, text.dimension + 4)


def test_keywords_only_the_model_saturates_and_with_semantic_matching_it_keeps_ordering():
    from digest.select.feedback import Z_FULL, saturate

    z = np.array([-9.0, -Z_FULL, 0.0, Z_FULL, 2 * Z_FULL, 9.0])
    clipped, smooth = saturate(z, smooth=False), saturate(z, smooth=True)
    assert clipped.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0, 1.0]  # far above typical: all tied
    assert np.all(np.diff(smooth) > 0) and np.all(np.abs(smooth) < 1.0)  # no plateau, no tie
    assert smooth[2] == 0.0  # the typical paper gains nothing in either mode


def test_the_semantic_ranker_uses_the_smooth_saturation_and_the_keyword_ranker_the_clip():
    from digest.select.semantic import Embedder, SemanticIndex

    class Flat:
        def encode(self, sentences, **kwargs):
            return np.ones((len(sentences), 3), dtype=np.float32)

    assert not ranker({}).smooth
    assert FeedbackRanker(SemanticIndex.build(PAPERS, Embedder(Flat())), lambda user: {}).smooth


def test_a_reader_who_rated_nothing_is_ranked_without_making_the_papers_features():
    """The tf-idf of every paper is made for the first reader with a model only: `digest rank`
    of a reader who rated nothing, on a year of papers, spares it (the first minutes of it)."""
    ratings = {"ada": {}, "bob": {2: 1}}
    ranker = FeedbackRanker(PaperIndex.build(PAPERS), ratings.__getitem__)
    ranker.rank(Profile("ada", "ada@example.org", (Interest("grokking"),)))
    ranker.rank_many([Profile("ada", "ada@example.org", (Interest("grokking"),))])
    assert "features" not in vars(ranker)
    ranker.rank(Profile("bob", "bob@example.org", (Interest("grokking"),)))
    assert "features" in vars(ranker)
