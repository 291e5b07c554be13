"""Semantic matching: the blend, with a tiny stand-in model, and the packaged model if present."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from helpers.semantic_stand_in import (
    DAY,
    PAPERS,
    BagOfWordsModel,
    paper,
    profile,
    stored_papers,
)

from digest.select.semantic import Embedder, SemanticIndex, available, load_model


def test_semantic_match_without_keyword_names_the_closest_interest():
    index = SemanticIndex.build(PAPERS, Embedder(BagOfWordsModel()))
    ranked = index.rank(profile("spiking", "tabular"))
    by_id = {m.paper.id: m for m in ranked}
    assert by_id[2].hits == ()
    assert by_id[2].keywords == ("spiking",)
    assert by_id[1].keywords[0] == "spiking"
    assert any(h.keyword == "spiking" for h in by_id[1].all_hits)


def test_keyword_and_semantic_evidence_add_up():
    index = SemanticIndex.build(PAPERS, Embedder(BagOfWordsModel()))
    scores = {m.paper.id: m.score for m in index.rank(profile("spiking"))}
    keyword_only = {m.paper.id: m.score for m in index.index.rank(profile("spiking"))}
    assert scores[1] > keyword_only[1]
    assert scores[1] > scores[2] > 0
    assert scores.get(3, 0.0) < 0.05  # unrelated (cosine near 0): next to nothing


def test_exclusions_and_min_score_apply_to_the_blend():
    index = SemanticIndex.build(PAPERS, Embedder(BagOfWordsModel()))
    assert 2 not in {m.paper.id for m in index.rank(profile("spiking", exclude=("event",)))}
    best = index.rank(profile("spiking"))[0].score
    assert [m.paper.id for m in index.rank(profile("spiking", min_score=best))] == [1]


def test_precomputed_vectors_are_used_and_embed_papers_gives_them():
    model = BagOfWordsModel()
    vectors = Embedder(model).embed_papers(PAPERS)
    assert set(vectors) == {1, 2, 3}
    before = model.calls
    index = SemanticIndex.build(PAPERS, Embedder(model), vectors=vectors)
    assert model.calls == before  # no paper embedded again
    assert index.rank(profile("spiking"))[0].paper.id == 1


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_packaged_model_ranks_a_paraphrase_above_an_unrelated_paper():
    papers = [
        paper(1, "Cooking pasta at home", "Recipes for Italian dinners and sauces."),
        paper(2, "Networks of spiking neurons", "Brain-inspired computation with spikes."),
    ]
    index = SemanticIndex.build(papers, Embedder(load_model()))
    ranked = index.rank(profile("neuromorphic computing"))
    assert ranked[0].paper.id == 2
    assert ranked[0].keywords == ("neuromorphic computing",)


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_the_model_prints_no_progress_bar_and_leaves_no_thread_that_stops_forking(capfd):
    import threading

    from digest.forking import can_fork

    Embedder(load_model()).embed_texts(["spiking neurons", "pasta"])
    assert can_fork(), f"threads left running: {threading.enumerate()}"
    assert "Loading weights" not in capfd.readouterr().err


# -- in the pipeline: the config turns it on, the store keeps the paper embeddings -----------


def test_paper_embeddings_are_computed_once_and_kept_in_the_store(tmp_path):
    from digest.select.ranking import build_index
    from digest.store import Store

    model = BagOfWordsModel()
    with Store(tmp_path / "d.db") as store:
        with store.transaction() as db:  # three stored papers
            for p in PAPERS:
                db.execute(
                    "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) "
                    "VALUES (?,?,?,?,?,?)",
                    (
                        p.id,
                        p.title.lower(),
                        p.title,
                        p.abstract,
                        DAY.isoformat(),
                        "2024-03-14T00:00:00+00:00",
                    ),
                )
        first = build_index(store, store.papers(), embedder=Embedder(model))
        assert model.calls == 3
        again = build_index(store, store.papers(), embedder=Embedder(model))
        assert model.calls == 3  # the papers' vectors come from the store
        assert [m.paper.id for m in again.rank(profile("spiking"))] == [
            m.paper.id for m in first.rank(profile("spiking"))
        ]
        assert store.db.execute("SELECT COUNT(*), MIN(dims) FROM embeddings").fetchone() == (3, 64)


def test_readers_texts_are_embedded_once_and_later_rankings_load_no_model(tmp_path):
    from digest.select.ranking import StoredTexts, build_index
    from digest.store import Store

    loaded = []

    def loader(model: BagOfWordsModel | None = None) -> BagOfWordsModel:
        if model is None:
            raise AssertionError("the model was loaded although every embedding is stored")
        loaded.append(model)
        return model

    reader = profile("spiking", "tabular")
    with Store(tmp_path / "d.db") as store:
        stored_papers(store)
        cache = StoredTexts(store, "injected")  # the key build_index files injected models under
        first = build_index(
            store, store.papers(), embedder=Embedder(loader=lambda: loader(BagOfWordsModel()), cache=cache)
        )
        ranked = first.rank(reader)
        assert len(loaded) == 1  # for the papers and the reader's texts
        texts = store.db.execute("SELECT text FROM text_embeddings ORDER BY text").fetchall()
        assert [t for (t,) in texts] == ["spiking", "spiking, tabular", "tabular"]  # all, and each

        # a new process (a fresh embedder), every embedding stored: no model, the same matches
        # (Match equality: the scores bit for bit)
        again = build_index(
            store, store.papers(), embedder=Embedder(loader=loader, cache=StoredTexts(store, "injected"))
        )
        assert again.rank(reader) == ranked
        assert len(loaded) == 1

        model = BagOfWordsModel()  # a new interest: the model is loaded for its texts alone
        later = build_index(
            store, store.papers(), embedder=Embedder(loader=lambda: loader(model), cache=cache)
        )
        later.rank(profile("spiking", "tabular", "brain"))
        assert len(loaded) == 2 and model.calls == 2  # "spiking, tabular, brain" and "brain"


def test_the_config_turns_semantic_matching_on_with_a_model_name_or_folder(tmp_path):
    from digest.config import load_config
    from digest.errors import ConfigError

    base = "database: d.db\ninbox: i\nprofiles: p\nsmtp:\n  from: d@example.org\n"
    path = tmp_path / "config.yaml"
    path.write_text(base)
    assert load_config(path).semantic is None
    path.write_text(base + "semantic: true\n")
    assert load_config(path).semantic.key == "packaged:all-MiniLM-L6-v2"
    path.write_text(base + "semantic:\n  model: sentence-transformers/all-mpnet-base-v2\n")
    assert load_config(path).semantic.model == "sentence-transformers/all-mpnet-base-v2"
    (tmp_path / "my-model").mkdir()
    path.write_text(base + "semantic:\n  model: ./my-model\n")
    assert load_config(path).semantic.model == str(tmp_path / "my-model")
    path.write_text(base + "semantic:\n  model: ./missing\n")
    with pytest.raises(ConfigError, match="is not a folder holding a sentence-transformers model"):
        load_config(path)


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_digest_rank_with_semantic_on_reaches_a_reader_through_meaning(workspace):
    from conftest import make_dump

    workspace.dump("day.txt", make_dump("Mar 14", [
        ("Networks of spiking neurons for audio", "Brain-inspired computation with spikes for sound."),
        ("Cooking pasta at home", "Recipes for Italian dinners and sauces."),
    ]))  # fmt: skip
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.cli("ingest")
    plain = workspace.cli("rank", "ada", "--json")
    assert plain.exit_code == 0 and plain.output.strip() == "[]"  # no keyword in either paper
    semantic = workspace.cli("--semantic", "rank", "ada", "--json")
    import json

    assert semantic.exit_code == 0, semantic.output
    rows = json.loads(semantic.stdout)
    assert rows[0]["title"] == "Networks of spiking neurons for audio"
    assert rows[0]["matches"] == ["neuromorphic"] and rows[0]["hits"] == []


@pytest.mark.skipif(not available(), reason="semantic extra not installed")
def test_a_repeated_semantic_rank_with_unchanged_profiles_never_imports_torch(workspace):
    import json
    import os
    import subprocess
    import sys

    from conftest import make_dump

    workspace.dump("day.txt", make_dump("Mar 14", [
        ("Networks of spiking neurons for audio", "Brain-inspired computation with spikes for sound."),
        ("Cooking pasta at home", "Recipes for Italian dinners and sauces."),
    ]))  # fmt: skip
    workspace.profile("ada", "email: ada@example.org\ninterests: [neuromorphic, audio]\n")
    assert workspace.cli("ingest").exit_code == 0
    # `digest --semantic rank ada --json` in a process of its own, which says whether it imported torch
    run = (
        "import sys\nfrom digest.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        "print('torch' in sys.modules, file=sys.stderr)"
    )
    args = ["--config", str(workspace.config_path), "--semantic", "rank", "ada", "--json"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    first, again = (
        subprocess.run(
            [sys.executable, "-c", run, *args], capture_output=True, text=True, env=env, check=True
        )
        for _ in range(2)
    )
    assert first.stderr.split()[-1] == "True"  # the papers and the reader's texts: the model
    assert again.stderr.split()[-1] == "False"
    assert again.stdout == first.stdout  # the same ranking, the same scores to the last digit
    assert json.loads(again.stdout)[0]["title"] == "Networks of spiking neurons for audio"


@pytest.mark.backends
def test_with_semantic_matching_a_reader_who_rated_nothing_is_ranked_without_the_papers_features(
    db_at, monkeypatch
):
    """With some reader's ratings stored, the index is a ranker with readers' models; the
    papers' tf-idf (beside their embeddings) is made for the first reader with a model only,
    as keywords-only (`digest --semantic rank` of a reader who rated nothing spares it)."""
    from digest.select import features
    from digest.select.ranking import build_index
    from digest.store import Store

    made = []

    class Counted(features.TextFeatures):  # the real tf-idf, counted
        def __init__(self, papers) -> None:
            made.append(len(papers))
            super().__init__(papers)

    monkeypatch.setattr(features, "TextFeatures", Counted)
    with Store(db_at) as store:
        stored_papers(store)
        store.rate("bob", PAPERS[0].id, 1, dt.datetime(2024, 3, 14, 8, tzinfo=dt.UTC))
        ranker = build_index(store, store.papers(), embedder=Embedder(BagOfWordsModel()))
        ada, bob = profile("spiking"), dataclasses.replace(profile("spiking"), user="bob")
        alone = ranker.rank(ada)
        ranker.rank_many([ada])
        assert made == []
        assert ranker.rank(bob) != alone  # bob's model has its say: the features are made now
        ranker.rank_many([ada, bob])
        assert made == [len(PAPERS)]
        assert ranker.rank(ada) == alone
