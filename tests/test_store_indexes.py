"""The store's reads of a long archive go along indexes (made by a migration in a database older
than them), newest first, and stop at what they need: the papers found are the same."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.ingest.dumps import ingest
from digest.store import SCHEMA_VERSION, Store
from digest.store_sources import LAST_ID, NEWEST_LISTINGS

from conftest import NOW, make_dump

pytestmark = pytest.mark.backends  # tests that take `db_at` run on SQLite and PostgreSQL


def test_the_latest_listings_are_read_along_an_index_made_by_a_migration(db_at, tmp_path):
    """However many years of listings the archive keeps, a first digest's latest listings are read
    newest first along the index listings_day (not the archive sorted), which a database at schema
    33 (without it) gets when it is opened; the papers found are the same."""
    dumps = three_days(tmp_path)
    with Store(db_at) as store:
        ingest(store, dumps, NOW)
        postgres = store.dialect == "postgresql"
        # (34 -> 35's too)
        taken_back(store, 33, "listings_day", "papers_first_seen", "listings_ingested")
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [p.title for p in store.latest_listing_papers()] == ["Paper of the 14th"]
        if postgres:
            indexes = "SELECT indexdef FROM pg_indexes WHERE indexname = 'listings_day'"
            (index,) = [r[0] for r in store.db.execute(indexes)]
            assert index.endswith("ON public.listings USING btree (day, id)")
            return
        read = f"EXPLAIN QUERY PLAN {NEWEST_LISTINGS}"  # a first digest's (Store.latest_listing_papers)
        plan = [r[3] for r in store.db.execute(read, ("9999-12-31", LAST_ID, "9", 64))]
    assert plan == ["SEARCH listings USING INDEX listings_day (day<?)"]  # no sort of every listing


def taken_back(store: Store, version: int, *indexes: str) -> None:
    """The store as schema ``version`` left it: without ``indexes``, which later migrations made
    (nor, below 35, outbox.queued_on_server, which 34 -> 35 adds with its indexes; below 36, missed_said;
    below 37, outbox.for_files; below 38, fetches.run_at and succeeded_run_at; below 39,
    listing_fetches)."""
    with store.transaction():
        for index in indexes:
            store.db.execute(f"DROP INDEX {index}")
        if version < 35:
            store.db.execute("ALTER TABLE outbox DROP COLUMN queued_on_server")
        if version < 36:
            store.db.execute("DROP TABLE missed_said")
        if version < 37:
            store.db.execute("ALTER TABLE outbox DROP COLUMN for_files")
        if version < 38:
            store.db.execute("ALTER TABLE fetches DROP COLUMN run_at")
            store.db.execute("ALTER TABLE fetches DROP COLUMN succeeded_run_at")
        if version < 39:
            store.db.execute("DROP TABLE listing_fetches")
        if store.dialect == "postgresql":
            store.db.execute("UPDATE schema_version SET version = ?", (version,))
    if store.dialect != "postgresql":
        store.db.execute(f"PRAGMA user_version = {version}")


def plans_of(store: Store, read: Callable[[], object]) -> list[str]:
    """How SQLite reads each statement ``read`` makes (EXPLAIN QUERY PLAN, its steps joined)."""
    said: list[str] = []
    store.db.set_trace_callback(said.append)  # each statement with its values in place
    try:
        read()
    finally:
        store.db.set_trace_callback(None)
    return [" / ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}")) for sql in said]


def test_the_latest_papers_day_and_ingest_are_read_along_indexes_made_by_a_migration(db_at, tmp_path):
    """However many years of papers the archive keeps, `profile test`'s window (the latest of the
    papers' days, the papers since) and `digest status`'s last ingest are read along indexes
    (papers_first_seen, listings_ingested: not every paper or listing), which a database at schema
    34 (without them) gets when it is opened; what is read is the same. The last ingest, the listing
    stored last, is read along the listings' ids (the table's own order: the last row, no sort)."""
    dumps = three_days(tmp_path)
    with Store(db_at) as store:
        ingest(store, dumps, NOW)
        postgres = store.dialect == "postgresql"
        store.db.execute(  # a paper no listing has (its listing's papers merged away): by its day
            "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
            ("unlisted", "Unlisted", "An abstract.", "2026-03-15", NOW.isoformat()),
        )
        taken_back(store, 34, "papers_first_seen", "listings_ingested")
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.latest_paper_day() == dt.date(2026, 3, 15)
        window = [p.title for p in store.papers(since=dt.date(2026, 3, 14))]
        assert window == ["Paper of the 14th", "Unlisted"]
        assert store.last_ingest() == (str(dumps[2]), dt.date(2026, 3, 14), NOW)
        if postgres:
            indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN (?, ?) ORDER BY 1"
            defined = dict(store.db.execute(indexes, ("papers_first_seen", "listings_ingested")).fetchall())
            assert defined["listings_ingested"].endswith("ON public.listings USING btree (ingested_at, id)")
            assert defined["papers_first_seen"].endswith("ON public.papers USING btree (first_seen)")
            return
        day = plans_of(store, store.latest_paper_day)
        window = plans_of(store, lambda: store.papers(since=dt.date(2026, 3, 14)))
        ingested = plans_of(store, store.last_ingest)
    assert "SEARCH p USING COVERING INDEX papers_first_seen (first_seen>?)" in day[1]  # not SCAN p
    assert "SEARCH p USING COVERING INDEX papers_first_seen (first_seen>?)" in window[0]
    assert "SCAN" not in window[0]  # not every paper tried
    assert window[1] == "SEARCH papers USING INTEGER PRIMARY KEY (rowid=?)"  # then the window's papers
    assert ingested == ["SCAN listings"]  # by rowid, from the last: no "USE TEMP B-TREE", no sort of them all


def test_on_postgresql_the_latest_listings_read_stops_at_the_week_kept(db_at, tmp_path):
    """A first digest's latest listings on PostgreSQL: the server reads a page of the listings
    newest first, not the archive's years (a query's rows all come at once, whether read or not);
    as the server's own plans say (auto_explain, with what each read)."""
    dumps = three_days(tmp_path)
    with Store(db_at) as store:
        if store.dialect != "postgresql":
            pytest.skip("SQLite reads a query's rows as they are asked for (the index alone: above)")
        ingest(store, dumps, NOW)
        plans = two_years_before(store)
        assert [p.title for p in store.latest_listing_papers()] == ["Paper of the 14th"]
    read = listings_read(plans)
    assert read and sum(read) <= 64, plans  # a page; before, all 733


def test_on_postgresql_preview_dates_look_at_the_listings_stops_at_the_newest_taken(db_at, tmp_path):
    """`digest preview --date`'s look for a listing a digest takes by that day (Store.untaken_by)
    reads the listings newest first a page at a time and stops at the first taken (the inbox's
    dumps always are), not at the archive's years of them; as the server's own plans say."""
    with Store(db_at) as store:
        if store.dialect != "postgresql":
            pytest.skip("SQLite reads a query's rows as they are asked for")
        ingest(store, three_days(tmp_path), NOW)
        plans = two_years_before(store)
        assert store.untaken_by(dt.date(2026, 3, 14), ()) is None
        assert store.untaken_by(dt.date(2024, 1, 1), ()) == ()  # (none by then: all read, none there)
    read = listings_read(plans)
    assert read[0] <= 64, plans  # a page; before, all 733


def three_days(tmp_path: Path) -> list[Path]:
    """Dumps of 12, 13 and 14 March 2026, a paper each ("Paper of the 12th" ...)."""
    dumps = []
    for day in (12, 13, 14):
        dumps.append(tmp_path / f"2026-03-{day}.txt")
        dumps[-1].write_text(make_dump(f"Mar {day}", [(f"Paper of the {day}th", "An abstract.")]))
    return dumps


def two_years_before(store: Store) -> list[str]:
    """On PostgreSQL: two years of the archive's listings added before the store's, and the server's
    plans of each statement after (auto_explain, with the rows each step read), as they come."""
    with store.transaction():
        for n in range(730):
            day = (dt.date(2024, 3, 1) + dt.timedelta(days=n)).isoformat()
            stored(store, f"old{n}", day, f"inbox/processed/{day}.txt", f"{day}T06:00:00+00:00")
    store.db.execute("ANALYZE listings")
    plans: list[str] = []
    store.db.raw.add_notice_handler(lambda notice: plans.append(notice.message_primary or ""))
    store.db.execute("LOAD 'auto_explain'")
    for setting in ("log_min_duration = 0", "log_analyze = on", "log_level = notice"):
        store.db.execute(f"SET auto_explain.{setting}")
    return plans


def stored(store: Store, sha256: str, day: str, source: str, stamp: str) -> None:
    """A listing (of no papers) as the store keeps it: its row, and its source's fetch of it."""
    listing = store.db.execute(
        "INSERT INTO listings (sha256, day, source, entries, ingested_at) VALUES (?,?,?,?,?)",
        (sha256, day, source, 0, stamp),
    ).lastrowid
    store.db.execute("INSERT INTO listing_fetches VALUES (?,?,?)", (listing, source, stamp))


def listings_read(plans: list[str]) -> list[int]:
    """The rows of the listings each plan's scan of them read."""
    return [int(r) for p in plans for r in re.findall(r" on listings .*actual time=\S+ rows=(\d+)", p)]


def test_the_listings_are_read_newest_first_page_after_page_as_one_query_would(db_at):
    """Read a page at a time (Store.listings_newest_first), the listings come as one query sorting
    them all would give them: by day, then the last stored first, bounded as asked."""
    with Store(db_at) as store:
        with store.transaction():
            for n in range(400):  # 3 a day, stored out of order; some ingested later
                day = (dt.date(2026, 1, 1) + dt.timedelta(days=(n * 7) % 133)).isoformat()
                stamp = f"{day}T0{n % 3 + 6}:00:00+00:00"
                stored(store, f"sha{n}", day, f"inbox/processed/{n}.txt", stamp)
        for up_to, by in ((None, None), (dt.date(2026, 4, 1), dt.datetime(2026, 3, 1, 7, tzinfo=dt.UTC))):
            whole = store.db.execute(
                "SELECT id, source, day FROM listings WHERE day <= ? AND ingested_at <= ? "
                "ORDER BY day DESC, id DESC",
                ((up_to or dt.date.max).isoformat(), "9" if by is None else by.isoformat()),
            ).fetchall()
            assert len(whole) > 128 and list(store.listings_newest_first(up_to, by)) == whole
