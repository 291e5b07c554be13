"""Migration 21 -> 22, on SQLite and PostgreSQL: the papers stored twice before titles were read
as now (a feed's title as HTML and as text; with an escaped control character and without) are
merged into one, with what was sent of either copy and their ratings; copies that say otherwise
(two arXiv ids, another abstract) stay two papers."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from digest.store import SCHEMA_VERSION, Store

from conftest import schema_at

pytestmark = pytest.mark.backends

NOISE = "We remove salt and pepper noise from photographs with a median filter that learns its window."
LANTERNS = "Spiking lanterns light the documents a query needs, sparsely, at a tenth of the energy."
PAPERS = [  # id, key, title (as the release stored it), abstract, arXiv id
    (1, "salt amp pepper noise removal", "Salt &amp; Pepper Noise Removal", NOISE, None),  # a feed's HTML
    (2, "salt pepper noise removal", "Salt & Pepper Noise Removal", NOISE + " Code is out.", None),
    (3, "spik ing lanterns", "Spiking Lanterns", LANTERNS, None),  # cleaned by 14 -> 15, its key kept
    (4, "spiking lanterns", "Spiking Lanterns", LANTERNS, "2611.00004"),
    (5, "introduction", "Introduction", "A tutorial on protein folding and contact maps.", None),
    (6, "intro duction", "Introduction", "Speech frames routed through a mixture of experts.", None),
    (7, "dense lanterns", "Dense Lanterns", LANTERNS, "2611.00007"),
    (8, "dense b lanterns b", "Dense <b>Lanterns</b>", LANTERNS, "2611.00008"),
]


def released_19(db_at) -> None:
    db = schema_at(db_at, 19)
    for lid, day in ((1, "2026-11-10"), (2, "2026-11-12")):
        db.execute(
            "INSERT INTO listings (id, sha256, day, source, entries, ingested_at) VALUES (?,?,?,'s',4,?)",
            (lid, f"sha{lid}", day, f"{day}T06:00:00+00:00"),
        )
    for pid, key, title, abstract, arxiv in PAPERS:
        day = "2026-11-10" if pid % 2 else "2026-11-12"
        db.execute(
            "INSERT INTO papers (id, key, title, abstract, first_seen, added_at, arxiv_id) "
            "VALUES (?,?,?,?,?,?,?)",
            (pid, key, title, abstract, day, f"{day}T06:00:00+00:00", arxiv),
        )
        db.execute("INSERT INTO listing_papers VALUES (?, ?, ?)", (2 - pid % 2, pid, pid))
    for did, user, pid, at in ((1, "ada", 1, "2026-11-10"), (2, "bob", 2, "2026-11-12")):
        db.execute(
            "INSERT INTO deliveries (id, user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,1,?)",
            (did, user, f"<{did}@x>", f"{user}@example.org", f"{at}T07:00:00+00:00"),
        )
        db.execute("INSERT INTO sent_papers VALUES (?, ?, ?)", (user, pid, did))
    for user, pid, rating, at in (
        ("ada", 1, 1, "2026-11-10"),
        ("ada", 2, -1, "2026-11-12"),
        ("carl", 3, 1, "2026-11-11"),
    ):
        db.execute("INSERT INTO ratings VALUES (?, ?, ?, ?)", (user, pid, rating, f"{at}T08:00:00+00:00"))
    db.close()


def test_a_paper_stored_twice_before_titles_were_read_as_now_is_one_paper(db_at, caplog):
    released_19(db_at)
    with caplog.at_level(logging.INFO), Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION == 39
        papers = {p.id: p for p in store.papers()}
        assert sorted(papers) == [2, 4, 5, 6, 7, 8]
        # the copy a listing of the title finds now is kept (the one with an arXiv id first)
        assert (
            papers[2].title == "Salt & Pepper Noise Removal" and papers[2].abstract == NOISE + " Code is out."
        )
        assert papers[2].first_seen.isoformat() == "2026-11-10"
        assert papers[4].arxiv_id == "2611.00004"
        # what was sent of either copy, and their ratings (the later one of a reader who rated both)
        assert store.sent_paper_ids("ada") == store.sent_paper_ids("bob") == {2}
        assert store.ratings("ada") == {2: -1} and store.ratings("carl") == {4: 1}
        assert [d.message_id for d in store.deliveries("ada")] == ["<1@x>"]
        # the links sent with the merged copies' ids find the kept ones; so do their listings
        assert (store.current_paper_id(1), store.current_paper_id(3)) == (2, 4)
        # the day the merged copies were listed lists the kept ones
        tenth = {p.id for p in store.latest_listing_papers(dt.date(2026, 11, 10))}
        assert tenth == {2, 4, 5, 7}
    said = [r.getMessage() for r in caplog.records]
    assert "papers 6 and 5: one title, another abstract: both are kept" in said
    assert "papers 8 and 7: one title, two arXiv ids: both are kept" in said
    assert "2 papers stored twice before titles were read as now merged" in said
    assert said[-1].endswith("migrated from schema version 19 to 39")


def test_a_store_with_no_paper_stored_twice_is_left_as_it_was(db_at):
    db = schema_at(db_at, 19)
    sql = "INSERT INTO papers (id, key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?,?)"
    db.execute(sql, (1, "salt pepper", "Salt &amp; Pepper", NOISE, "2026-11-10", "2026-11-10T06:00:00+00:00"))
    db.close()
    with Store(db_at) as store:
        assert [(p.id, p.title) for p in store.papers()] == [(1, "Salt &amp; Pepper")]
        assert store.db.execute("SELECT COUNT(*) FROM paper_merges").fetchone() == (0,)


def test_a_copy_without_an_id_listed_long_before_the_one_with_it_is_another_paper(db_at, caplog):
    # the ingest keeps apart a paper listed without its id over a week before the one with it
    # (store_papers.MERGE_SLACK: a title alone may be two papers); the upgrade merged them, the
    # reader sent the older one losing the newer one (it counted as sent)
    db = schema_at(db_at, 19)
    sql = (
        "INSERT INTO papers (id, key, title, abstract, first_seen, added_at, arxiv_id) VALUES (?,?,?,?,?,?,?)"
    )
    old, new = "2025-03-02", "2026-11-12"
    db.execute(sql, (1, "salt amp pepper", "Salt &amp; Pepper", "", old, f"{old}T06:00:00+00:00", None))
    db.execute(sql, (2, "salt pepper", "Salt & Pepper", NOISE, new, f"{new}T06:00:00+00:00", "2611.00002"))
    db.execute(
        "INSERT INTO deliveries (id, user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?,?)",
        (1, "ada", "<1@x>", "ada@example.org", 1, f"{old}T07:00:00+00:00"),
    )
    db.execute("INSERT INTO sent_papers VALUES ('ada', 1, 1)")
    db.close()
    with caplog.at_level(logging.WARNING), Store(db_at) as store:
        assert sorted(p.id for p in store.papers()) == [1, 2]
        assert store.sent_paper_ids("ada") == {1}
    assert "papers 2 and 1: the copy without an arXiv id was listed long before: both are kept" in caplog.text


def test_two_papers_of_one_title_the_ingest_stored_apart_are_left_without_a_warning(db_at, caplog):
    # two arXiv papers titled alike: the ingest stored the second under the title's key with its
    # id (store_papers.upsert_paper), on purpose; the upgrade warned 'one title, two arXiv ids'
    # for every such pair of the archive, as if it were one paper stored twice
    db = schema_at(db_at, 19)
    sql = (
        "INSERT INTO papers (id, key, title, abstract, first_seen, added_at, arxiv_id) VALUES (?,?,?,?,?,?,?)"
    )
    for pid, key, abstract in (
        (1, "introduction", "A tutorial on protein folding and contact maps."),
        (2, "introduction arxiv 2611.00002", "Speech frames routed through a mixture of experts."),
    ):
        day = f"2026-11-1{pid}"
        db.execute(sql, (pid, key, "Introduction", abstract, day, f"{day}T06:00:00+00:00", f"2611.0000{pid}"))
    db.close()
    with caplog.at_level(logging.INFO), Store(db_at) as store:
        assert [(p.id, p.arxiv_id) for p in store.papers()] == [(1, "2611.00001"), (2, "2611.00002")]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
