"""A title's duplicate key folds a Turkish capital dotted I as the matcher does ("İstanbul" is
"istanbul", digest.select.text.fold_case): plain casefold made it "i" + a combining dot, which
the key's punctuation rule made a word break ("i stanbul"), so "İstanbul" and "Istanbul" (or
"TRAFFİC" and "Traffic") were two papers. Migration 20 -> 21, on SQLite and PostgreSQL: a paper
stored under the old key is found by the new one too."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from digest.ingest.dumps import ingest
from digest.store import SCHEMA_VERSION, Store
from digest.store_papers import title_key

from conftest import make_dump, schema_at, write_dump

pytestmark = pytest.mark.backends

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)
ABSTRACT = "We count the cars that cross the bridges of a city of fifteen million people every hour."


def version_19(db_at):
    """A database as the release before this one left it (schema version 19), still open."""
    return schema_at(db_at, 19)


def listed(store: Store, tmp_path: Path, *titles: str) -> None:
    for n, title in enumerate(titles):
        path = tmp_path / f"day-{title_key(title).replace(' ', '-')}-{n}.txt"
        write_dump(path, make_dump("Dec 2", [(title, ABSTRACT)]))
        assert not ingest(store, [path], NOW).failures


def test_a_title_with_a_dotted_capital_i_is_the_same_paper_as_with_a_dotless_one(db_at, tmp_path):
    assert title_key("TRAFFİC in İstanbul") == title_key("Traffic in Istanbul") == "traffic in istanbul"
    with Store(db_at) as store:
        listed(store, tmp_path, "Traffic in İstanbul", "TRAFFIC IN ISTANBUL", "TRAFFİC İN İSTANBUL")
        assert [p.title for p in store.papers()] == ["Traffic in İstanbul"]


def test_a_paper_stored_under_the_old_key_is_found_by_the_new_one_after_the_upgrade(db_at, tmp_path):
    db = version_19(db_at)
    sql = "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?, ?, ?, ?, ?)"
    old = ("traffic in i stanbul", "Traffic in İstanbul", ABSTRACT, "2026-12-01", "2026-12-01T06:00:00+00:00")
    db.execute(sql, old)
    other = ("a bridge", "A Bridge", "Another paper.", "2026-12-01", "2026-12-01T06:00:00+00:00")
    db.execute(sql, other)
    db.close()
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION == 39
        listed(store, tmp_path, "Traffic in İstanbul", "Traffic in Istanbul", "A Bridge")
        assert sorted(p.title for p in store.papers()) == ["A Bridge", "Traffic in İstanbul"]
        assert store.db.execute("SELECT key FROM papers ORDER BY id").fetchall() == [
            ("traffic in i stanbul",),  # kept, as every key a migration has met (ids, links)
            ("a bridge",),
        ]


def test_a_paper_stored_twice_before_with_and_without_the_dotted_i_is_one_paper(db_at, tmp_path):
    """The new key of one copy's title is the other's: the upgrade's next step merges them
    (digest.store_twice), and a listing with the letter or without finds the one paper."""
    db = version_19(db_at)
    sql = "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?, ?, ?, ?, ?)"
    db.execute(sql, ("traffic in i stanbul", "Traffic in İstanbul", ABSTRACT, "2026-12-01", "2026-12-01"))
    db.execute(sql, ("traffic in istanbul", "Traffic in Istanbul", ABSTRACT, "2026-12-01", "2026-12-01"))
    db.close()
    with Store(db_at) as store:
        listed(store, tmp_path, "Traffic in İstanbul")
        listed(store, tmp_path, "Traffic in Istanbul")
        assert len(store.papers()) == 1


def test_two_papers_of_one_title_with_and_without_the_dotted_i_stay_two(db_at, tmp_path, caplog):
    db = version_19(db_at)
    sql = "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?, ?, ?, ?, ?)"
    db.execute(sql, ("traffic in i stanbul", "Traffic in İstanbul", ABSTRACT, "2026-12-01", "2026-12-01"))
    other = "Bridges and ferries carry commuters across the strait; we count them with cameras."
    db.execute(sql, ("traffic in istanbul", "Traffic in Istanbul", other, "2026-12-01", "2026-12-01"))
    db.close()
    with caplog.at_level(logging.WARNING), Store(db_at) as store:
        assert len(store.papers()) == 2
        # each listed again is found as before the upgrade: the title with the letter by its key
        # as made then (by the new key alone, it was credited to the other paper, as the other's)
        listed(store, tmp_path, "Traffic in İstanbul", "Traffic in Istanbul")
        rows = store.db.execute("SELECT paper_id FROM listing_papers ORDER BY listing_id").fetchall()
        assert rows == [(1,), (2,)] and len(store.papers()) == 2
    assert "papers 1 and 2: one title, another abstract: both are kept" in caplog.text


def test_a_paper_cleaned_by_migration_15_is_found_by_its_clean_titles_new_key(db_at, tmp_path):
    """Migration 14 -> 15 adds the key of a cleaned title when the paper was stored under its
    title's key, as keys were made then: compared with the new key, a title with a dotted I
    never was, and the paper was stored again when listed with its clean title."""
    from helpers.version_14 import add_paper, version_14

    from digest.store_papers import title_key_before_21

    db = version_14(db_at)
    dirty = "Traffic in İst\u202eanbul"  # what an XML &#x202E; left in the store
    add_paper(db, title_key_before_21(dirty), dirty, ABSTRACT)
    db.close()
    with Store(db_at) as store:
        listed(store, tmp_path, "Traffic in İstanbul")
        assert [p.title for p in store.papers()] == ["Traffic in İstanbul"]


def test_a_paper_listed_before_under_another_title_with_a_dotted_i_is_found_by_it(db_at, tmp_path):
    """A paper keeps the key of each title it was listed under (paper_titles), made with plain
    casefold before version 21, and those titles are not stored: the migration could not re-key
    them, and the paper was stored again when a dump listed it under that title. A title with the
    letter whose key finds nothing is looked up by its key as made before, and gets the new one."""
    db = version_19(db_at)
    sql = (
        "INSERT INTO papers (key, title, abstract, first_seen, added_at, arxiv_id) VALUES (?, ?, ?, ?, ?, ?)"
    )
    db.execute(sql, ("city traffic", "City Traffic", ABSTRACT, "2026-12-01", "2026-12-01", "2612.00001"))
    pid = db.execute("SELECT id FROM papers").fetchone()[0]
    db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", ("traffic in i stanbul", pid))
    db.close()
    with Store(db_at) as store:
        listed(store, tmp_path, "Traffic in İstanbul", "Traffic in Istanbul")
        assert [(p.id, p.title) for p in store.papers()] == [(pid, "City Traffic")]
        found = "SELECT paper_id FROM paper_titles WHERE key = ?"
        assert store.db.execute(found, ("traffic in istanbul",)).fetchall() == [(pid,)]
