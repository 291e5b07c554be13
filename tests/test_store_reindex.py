"""The upgrade's re-index (digest.store_reindex), on SQLite and PostgreSQL: where a migration finds
a few stored papers the matcher now reads otherwise (17 -> 18: a Turkish capital dotted I), only
their word counts are made again, in the migration: the archive is not indexed again, and every
count is the one a fresh index of the same papers makes."""

from __future__ import annotations

import pytest

from digest.db import is_postgres
from digest.select.acronyms import defined_in
from digest.select.collection import CollectionStats, paper_terms
from digest.store import Store

from conftest import schema_at

pytestmark = pytest.mark.backends

PAPERS = [
    ("Spiking Networks for Event Cameras", "Spiking neural networks (SNNs) read event-driven cameras."),
    ("Traffic in İstanbul", "The İstanbul Traffic Forecaster (ITF) predicts event-driven traffic jams."),
    ("Large Language Models at Scale", "Large language models (LLMs) and traffic forecasts."),
    ("Event Cameras in the Wild", "Cameras that see events; spiking readouts."),
    ("Sparse Lanterns", "Lanterns light the documents a query needs."),
    ("Soup", "Soup, again."),
]
OLD_FOLD = {"istanbul": "i\u0307stanbul"}  # how the release read "İstanbul"


def old_fold(norm: str) -> str:
    """A word or a joined pair as the release folded it: "İstanbul" as "i" + U+0307 + "stanbul"."""
    return norm.replace("istanbul", OLD_FOLD["istanbul"])


def as_released(title: str, abstract: str) -> tuple[set[str], set[str]]:
    """The paper's terms as the release indexed them (its fold of the dotted I, in the joined
    pairs too: "inistanbul", "istanbultraffic")."""
    words, pairs = paper_terms(title, abstract)
    return {old_fold(w) for w in words}, {old_fold(p) for p in pairs}


def released_17_indexed(db_at, version: int = 17, stored: list[tuple[str, str]] = PAPERS) -> None:
    """A release at schema ``version`` with its archive (``stored``) indexed: its word index, the
    acronyms it counted with the old fold, and counts asked before (one naming the old fold)."""
    db = schema_at(db_at, version)
    postgres = is_postgres(db_at)
    sql = "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?, ?, ?, ?, ?)"
    for i, (title, abstract) in enumerate(stored, 1):
        db.execute(sql, (f"k{i}", title, abstract, "2026-11-20", "2026-11-20T06:00:00+00:00"))
        words, pairs = as_released(title, abstract)
        hexed = sorted(w.encode().hex() for w in words), sorted(p.encode().hex() for p in pairs)
        if postgres:
            db.execute(
                "INSERT INTO paper_terms (paper_id, terms) VALUES (?, array_to_tsvector(?::text[]))",
                (i, sorted({*hexed[0], *hexed[1]})),
            )
        else:
            db.execute(
                "INSERT INTO paper_terms (rowid, words, pairs) VALUES (?,?,?)",
                (i, " ".join(hexed[0]), " ".join(hexed[1])),
            )
    db.execute(
        "INSERT INTO collection_state (id, through, papers) VALUES (1, ?, ?)", (len(PAPERS), len(PAPERS))
    )
    for acronym, found in defined_in(f"{t}\n{a}" for t, a in stored).items():
        for expansion, n in found.items():
            expansion = tuple(OLD_FOLD.get(w, w) for w in expansion)
            db.execute("INSERT INTO acronyms VALUES (?, ?, ?)", (acronym, " ".join(expansion), n))
    asked = [("w:i\u0307stanbul", 1), ("w:traffic", 2), ("w:spiking", 2), ("w:soup", 1)]
    asked += [("p:event driven|eventdriven", 2), ("p:spiking network|spikingnetwork", 1)]
    for key, df in asked:
        db.execute("INSERT INTO term_stats VALUES (?, ?, ?)", (key, df, len(PAPERS)))
    db.close()


def fresh_counts(tmp_path, papers: list[tuple[str, str]] = PAPERS) -> Store:
    """The same papers in a new store, indexed by this version."""
    store = Store(tmp_path / "fresh.db")
    with store.transaction() as db:
        for i, (title, abstract) in enumerate(papers, 1):
            db.execute(
                "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
                (f"k{i}", title, abstract, "2026-11-20", "2026-11-20T06:00:00+00:00"),
            )
    CollectionStats(store).refresh()
    return store


def test_only_the_papers_read_otherwise_are_indexed_again_and_the_counts_are_a_fresh_indexs(
    db_at, tmp_path, caplog
):
    released_17_indexed(db_at)
    caplog.set_level("INFO")
    with Store(db_at) as store, fresh_counts(tmp_path) as fresh:
        assert "the word counts of 1 papers are made again" in caplog.text
        assert "indexes every paper again" not in caplog.text
        # the counts asked before that name no word of the paper stay; the others are dropped
        kept = [k for (k,) in store.db.execute("SELECT key FROM term_stats ORDER BY key")]
        assert kept == ["p:spiking network|spikingnetwork", "w:soup", "w:spiking"]
        stats, fresh_stats = CollectionStats(store), CollectionStats(fresh)
        assert stats.refresh() == 0  # nothing left to index
        assert (stats.through, stats.n) == (fresh_stats.through, fresh_stats.n) == (6, 6)
        # every word and joined pair, and each as the release folded it
        terms = {w for t, a in PAPERS for both in paper_terms(t, a) for w in both}
        norms = sorted(terms | {old_fold(w) for w in terms})
        assert [stats.df(w) for w in norms] == [fresh_stats.df(w) for w in norms]
        assert (stats.df("istanbul"), stats.df("i\u0307stanbul")) == (1, 0)
        assert (stats.df("istanbultraffic"), stats.df("i\u0307stanbultraffic")) == (1, 0)
        assert stats.defined() == fresh_stats.defined()
        assert stats.defined()["itf"] == {("istanbul", "traffic", "forecaster"): 1}
        if store.dialect == "sqlite":  # FTS5's own check of its index after the paper's row was replaced
            store.db.execute("INSERT INTO paper_terms (paper_terms) VALUES ('integrity-check')")


def test_a_text_the_upgrade_to_15_cleaned_has_its_word_counts_made_again_alone(db_at, tmp_path, caplog):
    # stored with an escaped bidi override in a word: indexed as "spik" and "ing", with no acronym
    stored = [("Spik\u202eing Networks for Event Cameras", "Spiking neural networks (SNNs).")] + PAPERS[1:]
    released_17_indexed(db_at, 14, stored)
    caplog.set_level("INFO")
    cleaned = [(stored[0][0].replace("\u202e", ""), stored[0][1]), *PAPERS[1:]]
    with Store(db_at) as store, fresh_counts(tmp_path, cleaned) as fresh:
        # the cleaned paper's (14 -> 15), then the İ paper's (17 -> 18)
        assert caplog.text.count("the word counts of 1 papers are made again") == 2
        assert "indexes every paper again" not in caplog.text
        stats, fresh_stats = CollectionStats(store), CollectionStats(fresh)
        assert stats.refresh() == 0
        norms = sorted({w for t, a in PAPERS + stored for w in paper_terms(t, a)[0]})
        assert [stats.df(w) for w in norms] == [fresh_stats.df(w) for w in norms]
        assert (stats.df("spiking"), stats.df("spik"), stats.df("ing")) == (2, 0, 0)
        assert stats.defined() == fresh_stats.defined()
