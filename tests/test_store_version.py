"""Store.version and Store.ratings_version, which the preferences page and the live preview poll
(GET /u/<token>/version, every 1.5 s an open page): they change with each write a page shows, and
read no table whole."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from digest.deliver.outbox import Outbox
from digest.ingest.sources import read_dump
from digest.store import Store

from conftest import NOW, make_dump

pytestmark = pytest.mark.backends


class Said:
    """The store's connection, keeping the statements it is given."""

    def __init__(self, db: Any) -> None:
        self.db, self.said = db, []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.said.append((sql, params))
        return self.db.execute(sql, params)


def test_the_version_changes_with_each_write_a_page_shows(db_at, tmp_path):
    (tmp_path / "a.txt").write_text(make_dump("Mar 14", [("Spiking Chips", "a"), ("Soup", "b")]))
    (tmp_path / "b.txt").write_text(make_dump("Mar 15", [("Spiking Vision", "c"), ("Soup", "b")]))
    with Store(db_at) as store:
        seen = [store.version()]
        store.add_listing(read_dump(tmp_path / "a.txt"), NOW)
        seen.append(store.version())
        store.add_listing(read_dump(tmp_path / "a.txt"), NOW)  # already stored: nothing changed
        assert store.version() == seen[-1]
        store.add_listing(read_dump(tmp_path / "b.txt"), NOW)  # a paper known, one new
        seen.append(store.version())
        with store.transaction():
            Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<1@x>", subject="s",
                mime=b"m", paper_ids=[1], now=NOW,
            )  # fmt: skip
        seen.append(store.version())
        store.record_delivery("ada", "<1@x>", "ada@example.org", [1, 2], NOW)
        seen.append(store.version())
        assert len(set(seen)) == len(seen), seen


def test_the_version_reads_no_table_whole(tmp_path):
    # Before, it counted every paper and every paper sent (SCAN papers, SCAN sent_papers): 8-15 ms
    # on SQLite, 64-128 ms on PostgreSQL at five years of 100 papers a day, at each poll
    (tmp_path / "a.txt").write_text(make_dump("Mar 14", [("Spiking Chips", "a"), ("Soup", "b")]))
    with Store(tmp_path / "d.db") as store:
        store.add_listing(read_dump(tmp_path / "a.txt"), NOW)
        real, store.db = store.db, Said(store.db)
        try:
            store.version()
            store.ratings_version("ada")  # the reader's ratings alone, along the primary key
        finally:
            said, store.db = store.db.said, real
        plans = [
            r[3] for sql, args in said for r in real.execute(f"EXPLAIN QUERY PLAN {sql}", args).fetchall()
        ]
    scans = [p for p in plans if p.startswith("SCAN") and "CONSTANT ROW" not in p]
    assert scans in ([], ["SCAN outbox USING COVERING INDEX outbox_through"]), plans  # kept days only
    assert isinstance(real, sqlite3.Connection)


def test_the_version_changes_with_a_delivery_committed_after_a_later_one(db_at, tmp_path):
    # PostgreSQL: two workers record deliveries at once (Outbox.mark_sent); the one that took its
    # id first may commit last, when the newest id is already the other's: before, the version
    # did not change with it (a reader's page kept showing the digest as unsent)
    if not isinstance(db_at, str):
        pytest.skip("SQLite: one writer at a time, its ids committed in order")
    (tmp_path / "a.txt").write_text(make_dump("Mar 14", [("Spiking Chips", "a"), ("Soup", "b")]))
    with Store(db_at) as first, Store(db_at) as second:
        first.add_listing(read_dump(tmp_path / "a.txt"), NOW)
        with first.transaction():
            first.record_delivery("ada", "<1@x>", "ada@example.org", [1], NOW, in_transaction=True)
            second.record_delivery("bob", "<2@x>", "bob@example.org", [2], NOW)
            before = second.version()
        assert second.version() != before


def test_the_readers_ratings_version_changes_with_each_rating_of_theirs_alone(db_at, tmp_path):
    # A rating changes the reader's ranking at once: before, the live preview's version did not
    # change with it (tests/web/test_browser_live_ratings.py, the browser's side)
    (tmp_path / "a.txt").write_text(make_dump("Mar 14", [("Spiking Chips", "a"), ("Soup", "b")]))
    with Store(db_at) as store:
        store.add_listing(read_dump(tmp_path / "a.txt"), NOW)
        seen = [store.ratings_version("ada")]
        for paper, rating in [(1, 1), (1, -1), (2, 1), (1, None), (2, None)]:
            store.rate("ada", paper, rating, NOW)  # the same moment each time: not the time it says
            seen.append(store.ratings_version("ada"))
        assert seen[-1] == seen[0] and len(set(seen[:-1])) == len(seen) - 1, seen
        store.rate("bob", 1, 1, NOW)  # another reader's: not ada's ranking
        assert store.ratings_version("ada") == seen[0]
