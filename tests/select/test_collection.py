"""The archive's counts kept in the store: the very numbers an index of every paper computes,
so a paper scores the same whether the index holds its window or the whole archive."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from digest.ingest.dumps import ingest
from digest.models import Interest, Profile
from digest.select.collection import CollectionStats
from digest.select.matcher import PaperIndex
from digest.select.text import tokenize
from digest.store import Store

from conftest import BACKENDS, SHARED, postgres_database

pytestmark = pytest.mark.backends  # the counts are the same on SQLite and PostgreSQL

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module", params=BACKENDS)
def archive(request, tmp_path_factory) -> Iterator[Store]:
    """The shared dumps in a store: SQLite (paper_terms an FTS5 table), then PostgreSQL (tsvectors)."""
    dumps = sorted((SHARED / "dumps").glob("*")) if (SHARED / "dumps").is_dir() else []
    if not dumps:
        pytest.skip(f"the shared dumps are not at {SHARED / 'dumps'}")
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            where = stack.enter_context(postgres_database())
        else:
            where = tmp_path_factory.mktemp("archive") / "digest.db"
        store = stack.enter_context(Store(where))
        ingest(store, dumps, NOW)
        yield store


def relevance_profiles() -> list[Profile]:
    path = SHARED / "eval" / "dev_relevance_14.json"
    if not path.exists():
        pytest.skip(f"no relevance set at {path}")
    readers = json.loads(path.read_text())
    return [
        Profile(
            user=r["user"], email=f"{r['user']}@example.org", interests=tuple(map(Interest, r["keywords"]))
        )
        for r in readers
    ]


def test_the_stored_counts_are_the_counts_of_an_index_of_every_paper(archive):
    stats = CollectionStats(archive)
    stats.refresh()
    papers = archive.papers()
    index = PaperIndex.build(papers)
    assert stats.n == len(papers) and stats.through == max(p.id for p in papers)
    words = sorted({t.norm for p in papers[::7] for t in tokenize(p.title + " " + p.abstract)})
    words += ["eventdriven", "nosuchwordanywhere"]
    assert [stats.df(w) for w in words] == [index._postings.df(w) for w in words]
    for profile in relevance_profiles():
        for interest in profile.interests:
            # the phrase's own match (a keyword's match may add its acronym's: "RL")
            tokens = tokenize(interest.phrase)
            match = index._match(tokens) if tokens else None
            if match is not None and match.joined is not None:
                assert stats.phrase_df(match.terms, match.joined) == len(match.exact_docs), interest.phrase


def test_a_paper_scores_the_same_in_its_window_as_in_the_archive(archive):
    stats = CollectionStats(archive)
    stats.refresh()
    everything = PaperIndex.build(archive.papers())
    window = archive.latest_listing_papers()
    assert 0 < len(window) < len(everything)
    in_window = PaperIndex.build(window, stats)
    ids = {p.id for p in window}
    for profile in relevance_profiles():
        archive_scores = {m.paper.id: m.score for m in everything.rank(profile) if m.paper.id in ids}
        window_scores = {m.paper.id: m.score for m in in_window.rank(profile)}
        assert window_scores == archive_scores, profile.user


def test_counts_are_kept_incrementally_and_agree_with_counting_afresh(db_at, shared_dumps):
    with Store(db_at) as store:
        ingest(store, shared_dumps[:2], NOW)
        early = CollectionStats(store)
        early.refresh()
        phrases = [(m.terms, m.joined) for _, m in _phrases(PaperIndex.build(store.papers()))]
        for terms, joined in phrases:
            early.phrase_df(terms, joined)
        early.df("learning")
        early.save()
        ingest(store, shared_dumps[2:], NOW + dt.timedelta(days=1))
        later = CollectionStats(store)
        assert later.refresh() > 0 and later.refresh() == 0
        index = PaperIndex.build(store.papers())
        assert later.df("learning") == index._postings.df("learning")
        fresh = {phrase: len(m.exact_docs) for phrase, m in _phrases(index)}
        kept = {phrase: later.phrase_df(m.terms, m.joined) for phrase, m in _phrases(index)}
        assert kept == fresh


def _phrases(index: PaperIndex):
    """The phrases' own matches (a keyword's match may add its acronym's papers: "LLM")."""
    found = []
    for phrase in ("loss landscape", "training dynamics", "event driven", "large language model"):
        match = index._match(tokenize(phrase))
        if match is not None and match.joined is not None:
            found.append((phrase, match))
    return found
