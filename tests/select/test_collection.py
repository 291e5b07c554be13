"""The archive's counts kept in the store: the very numbers an index of every paper computes,
so a paper scores the same whether the index holds its window or the whole archive."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from digest.ingest.dumps import ingest
from digest.models import Interest, Paper, Profile
from digest.select.acronyms import alternatives, defined_in
from digest.select.collection import CollectionStats
from digest.select.matcher import PaperIndex
from digest.select.phrases import Phrase
from digest.select.postings import Postings
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
    assert stats.n == len(papers) and stats.through == max(p.id for p in papers)
    words = sorted({t.norm for p in papers[::7] for t in tokenize(p.title + " " + p.abstract)})
    words += ["eventdriven", "nosuchwordanywhere"]
    every = Postings([(p.title, p.abstract) for p in papers])  # the words of every paper, counted afresh
    assert [stats.df(w) for w in words] == [every.df(w) for w in words]
    phrases = [i.phrase for profile in relevance_profiles() for i in profile.interests]
    matches = phrase_matches(papers, phrases)
    assert len(matches) > 40  # most of the readers' phrases of several words
    for phrase, match in matches:
        assert stats.phrase_df(match.terms, match.joined) == len(match.exact_docs), phrase


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
        phrases = [(m.terms, m.joined) for _, m in phrase_matches(store.papers(), PHRASES)]
        for terms, joined in phrases:
            early.phrase_df(terms, joined)
        early.df("learning")
        early.save()
        ingest(store, shared_dumps[2:], NOW + dt.timedelta(days=1))
        later = CollectionStats(store)
        assert later.refresh() > 0 and later.refresh() == 0
        papers = store.papers()
        assert later.df("learning") == Postings([(p.title, p.abstract) for p in papers]).df("learning")
        matches = phrase_matches(papers, PHRASES)
        assert len(matches) >= 3
        fresh = {phrase: len(m.exact_docs) for phrase, m in matches}
        kept = {phrase: later.phrase_df(m.terms, m.joined) for phrase, m in matches}
        assert kept == fresh


PHRASES = ("loss landscape", "training dynamics", "event driven", "large language model")


def phrase_matches(papers: list[Paper], phrases) -> list[tuple[str, Phrase]]:
    """The match of each phrase of several words on an index of ``papers`` (no stored counts),
    but for those with an acronym or expansion in these papers ("LLM"): their match holds the
    acronym's papers too, which the phrase's own count does not."""
    index = PaperIndex.build(papers)
    defined = defined_in(f"{p.title}\n{p.abstract}" for p in papers)
    found = []
    for phrase in phrases:
        keyword = None if alternatives(phrase, defined) else index.keyword(phrase)
        if keyword is not None and keyword.match.joined is not None:
            found.append((phrase, keyword.match))
    return found
