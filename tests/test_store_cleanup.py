"""Papers stored before ingest dropped control characters and bidi overrides from escapes
(JSON's \\u001b, XML's &#x202E;) are cleaned by migration 14 -> 15, on SQLite and PostgreSQL,
in one transaction: the same papers (ids, keys, what was sent and rated), the text a new
ingest would store, and the archive's word counts rebuilt from it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from helpers.version_14 import add_paper, version_14

from digest.errors import StoreError
from digest.ingest.dumps import ingest
from digest.select.collection import CollectionStats
from digest.store import SCHEMA_VERSION, Store

from conftest import make_dump, write_dump

pytestmark = pytest.mark.backends

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)
DIRTY_TITLE = "Spik\u202eing networks for event cameras"  # what an XML &#x202E; left in the store
CLEAN_TITLE = "Spiking networks for event cameras"
DIRTY_ABSTRACT = "Spikes \x1b[2Jfrom \x1b]8;;https://evil.example\x07event cameras\u2066, at low power."


def indexed(db, through: int, papers: int) -> None:
    """The word counts as a refresh of the old text left them."""
    db.execute("INSERT INTO collection_state (id, through, papers) VALUES (1, ?, ?)", (through, papers))
    db.execute("INSERT INTO term_stats (key, df, through) VALUES ('w:spik', 1, ?)", (through,))
    db.execute("INSERT INTO acronyms (acronym, expansion, n) VALUES ('snn', 'spik ing network', 1)")


def test_papers_stored_with_escapes_are_cleaned_and_stay_the_same_papers(db_at, tmp_path):
    db = version_14(db_at)
    dirty = add_paper(
        db,
        "spik ing networks for event cameras",
        DIRTY_TITLE,
        DIRTY_ABSTRACT,
        authors=json.dumps(["Ada\u202e Lovelace", "\x1b", "Grace Hopper"]),
        categories=json.dumps(["cs.NE\x1b", "cs.CV"]),
        code_url="https://github.com/example/spik\u202eing",
        project_url="https://example.org/spiking",
    )
    clean = add_paper(db, "graph neural networks", "Graph neural networks", "Message passing on graphs.")
    for pid in (dirty, clean):
        db.execute("INSERT INTO embeddings VALUES (?, 'm', 1, ?)", (pid, b"\x00\x00\x80?"))
    db.execute("INSERT INTO ratings VALUES ('ada', ?, 1, '2026-11-21T08:00:00+00:00')", (dirty,))
    indexed(db, clean, 2)
    db.close()

    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        paper, other = store.papers([dirty, clean])
        assert paper.title == CLEAN_TITLE
        assert paper.abstract == "Spikes [2Jfrom ]8;;https://evil.exampleevent cameras, at low power."
        assert paper.authors == ("Ada Lovelace", "Grace Hopper")
        assert paper.categories == ("cs.NE", "cs.CV")
        assert paper.code_url is None  # a link a new ingest refuses
        assert paper.project_url == "https://example.org/spiking"
        assert (other.title, other.abstract) == ("Graph neural networks", "Message passing on graphs.")
        # the same paper: its id, its key, its rating; the embedding of its old text is dropped
        keys = store.db.execute("SELECT id, key FROM papers ORDER BY id").fetchall()
        assert keys == [(dirty, "spik ing networks for event cameras"), (clean, "graph neural networks")]
        assert store.ratings("ada") == {dirty: 1}
        assert store.embeddings("m", [dirty, clean]) == {clean: b"\x00\x00\x80?"}
        # the word counts of the old text are gone, and made again from the clean text
        for table in ("collection_state", "term_stats", "acronyms"):
            assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
        stats = CollectionStats(store)
        assert stats.refresh() == 2
        assert (stats.df("spiking"), stats.df("spik")) == (1, 0)

        # the trending page names it by its clean title, without an id: the same paper
        dump = tmp_path / "day.txt"
        write_dump(dump, make_dump("Dec 2", [(CLEAN_TITLE, "Spikes from event cameras, at low power.")]))
        [result] = ingest(store, [dump], NOW).results
        assert (result.new_papers, result.known_papers) == (0, 1)
        assert store.counts()["papers"] == 2


def test_a_store_without_escapes_is_left_as_it_was_word_counts_included(db_at):
    db = version_14(db_at)
    pid = add_paper(db, "graph neural networks", "Graph neural networks", "Message passing — on graphs.")
    db.execute("INSERT INTO embeddings VALUES (?, 'm', 1, ?)", (pid, b"\x00\x00\x80?"))
    indexed(db, pid, 1)
    db.close()
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.db.execute("SELECT through, papers FROM collection_state").fetchall() == [(pid, 1)]
        assert store.db.execute("SELECT COUNT(*) FROM term_stats").fetchone() == (1,)
        assert store.embeddings("m", [pid]) == {pid: b"\x00\x00\x80?"}


def test_word_counts_of_a_text_now_read_in_another_unicode_form_are_made_again(db_at):
    db = version_14(db_at)
    pid = add_paper(db, "cafe robots", "Cafe\u0301 robots", "Robots that order cafe\u0301 au lait.")
    indexed(db, pid, 1)
    db.close()
    with Store(db_at) as store:
        assert store.papers([pid])[0].title == "Cafe\u0301 robots"  # the text is not changed
        assert store.db.execute("SELECT COUNT(*) FROM collection_state").fetchone() == (0,)
        stats = CollectionStats(store)
        stats.refresh()
        assert stats.df("café") == 1


@pytest.mark.parametrize(
    "title, abstract",
    [
        ("Robots\u00a0at work", "Robots that\u00a0order coffee at 25\u202f°C."),  # no-break spaces
        ("Robots at work", "Energy use of 3\u00a0kW\u2009in ten\u2002minutes."),  # spaces NFKC makes plain
        ("Robots at work", "Grippers of 5\u00b5m."),  # the micro sign: NFKC's mu, the same case-folded
        ("\ufb01ne-tuning robots", "About robots."),  # a ligature: case folding undid it then too
    ],
    ids=["no-break-space", "other-spaces", "micro-sign", "ligature"],
)
def test_a_text_nfkc_changes_only_between_its_words_keeps_the_word_counts(db_at, title, abstract):
    """A no-break space is not NFKC's form of itself (NFKC makes it a space), but the matcher read
    it as a space between two words before it folded Unicode forms, as it does now: the paper's
    words and phrases are the same, and the archive is not indexed again for it."""
    db = version_14(db_at)
    pid = add_paper(db, "robots at work", title, abstract)
    indexed(db, pid, 1)
    db.close()
    with Store(db_at) as store:
        assert store.db.execute("SELECT through, papers FROM collection_state").fetchall() == [(pid, 1)]
        assert store.db.execute("SELECT COUNT(*) FROM term_stats").fetchone() == (1,)


@pytest.mark.parametrize(
    "title",
    ["Robots in R\u00b3 space", "ＬＬＭ robots", "Robots\uff0dfirst design", "Cafe\u0301 robots"],
    ids=["superscript", "full-width-word", "full-width-hyphen", "combining-mark"],
)
def test_a_word_or_a_joint_nfkc_changes_has_the_word_counts_made_again(db_at, title):
    db = version_14(db_at)
    pid = add_paper(db, "robots", title, "About robots.")
    indexed(db, pid, 1)
    db.close()
    with Store(db_at) as store:
        assert store.db.execute("SELECT COUNT(*) FROM collection_state").fetchone() == (0,)


def test_a_paper_stored_twice_with_and_without_the_escape_is_one_paper_after_the_upgrade(db_at, caplog):
    # migration 14 -> 15 cleans the first copy and keeps both (the clean key is the second's);
    # 21 -> 22 (digest.store_twice) merges them into the copy the title finds now. The log says
    # so, not first that both are kept (15 warned 'its cleaned title is another paper's; both
    # are kept' before 22 merged them)
    db = version_14(db_at)
    dirty = add_paper(db, "spik ing networks for event cameras", DIRTY_TITLE, "Old copy.")
    later = add_paper(db, "spiking networks for event cameras", CLEAN_TITLE, "Later copy.")
    db.close()
    with caplog.at_level(logging.INFO), Store(db_at) as store:
        titles = store.db.execute("SELECT id, title FROM papers ORDER BY id").fetchall()
        assert titles == [(later, CLEAN_TITLE)]
        assert store.current_paper_id(dirty) == later
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert f"is paper {later}: merged into it" in caplog.text


def test_two_papers_of_one_clean_title_stay_two_and_the_upgrade_says_it_once(db_at, caplog):
    db = version_14(db_at)
    dirty = add_paper(
        db, "spik ing networks for event cameras", DIRTY_TITLE, "Protein folding with contact maps."
    )
    later = add_paper(db, "spiking networks for event cameras", CLEAN_TITLE, "Speech routed through experts.")
    db.close()
    with caplog.at_level(logging.WARNING), Store(db_at) as store:
        assert [p.id for p in store.papers()] == [dirty, later]
    said = [r.getMessage() for r in caplog.records]
    assert said == [f"papers {dirty} and {later}: one title, another abstract: both are kept"]


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-12-03T05:00:00Z</updated>
  <entry><id>https://lab.example/papers/17</id>
    <title type="html">Salt &amp;amp; Pepper &lt;b&gt;noise&lt;/b&gt; removal</title>
    <summary>Denoising images with diffusion.</summary></entry>
</feed>
"""


def test_a_feed_item_stored_with_its_html_title_is_the_same_paper_when_fetched_again(db_at):
    from digest.ingest.sources import parse_dump
    from digest.store_papers import title_key

    db = version_14(db_at)
    # the release before stored a feed's HTML title as it came (the feed keeps the item for days)
    stored = "Salt &amp; Pepper <b>noise</b> removal"
    pid = add_paper(db, title_key(stored), stored, "Denoising images with diffusion.")
    db.close()
    listing = parse_dump(FEED.encode(), Path("feed.xml"), NOW.replace(tzinfo=None))
    assert [e.title for e in listing.entries] == ["Salt & Pepper noise removal"]  # read as text now
    with Store(db_at) as store:
        result = store.add_listing(listing, NOW)
        assert (result.new_papers, result.known_papers) == (0, 1)
        assert store.db.execute("SELECT id FROM papers").fetchall() == [(pid,)]


@pytest.mark.sqlite_only
def test_a_migration_that_fails_half_way_changes_nothing(tmp_path):
    path = tmp_path / "digest.db"
    db = version_14(path)
    pid = add_paper(db, "spik ing networks for event cameras", DIRTY_TITLE, DIRTY_ABSTRACT)
    indexed(db, pid, 1)
    db.execute(
        "CREATE TRIGGER full BEFORE INSERT ON paper_titles BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    db.close()
    with pytest.raises(StoreError, match="disk full"):
        Store(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (14,)
    assert db.execute("SELECT title, abstract FROM papers").fetchall() == [(DIRTY_TITLE, DIRTY_ABSTRACT)]
    assert db.execute("SELECT papers FROM collection_state").fetchall() == [(1,)]
    db.close()


@pytest.mark.sqlite_only
def test_a_migration_another_process_made_while_this_one_waited_is_not_made_again(tmp_path):
    path = tmp_path / "digest.db"
    db = version_14(path)
    db.execute("PRAGMA journal_mode = WAL")
    add_paper(db, "spik ing networks for event cameras", DIRTY_TITLE, "Old copy.")
    db.close()
    other = sqlite3.connect(path, isolation_level=None)  # another process, migrating the file
    other.execute("BEGIN IMMEDIATE")
    opened: list[Store] = []
    opening = threading.Thread(target=lambda: opened.append(Store(path)))
    opening.start()  # reads version 14, then waits for the write lock
    time.sleep(1.0)
    # what the other process leaves: version 15 (here without its cleaning, to tell them apart)
    other.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    other.execute("COMMIT")
    opening.join(30)
    [store] = opened
    with store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.db.execute("SELECT title FROM papers").fetchall() == [(DIRTY_TITLE,)]
    other.close()
