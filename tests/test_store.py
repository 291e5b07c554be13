"""The store: papers deduplicated across dumps, each dump stored whole or not at all."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from digest.deliver.outbox import Outbox
from digest.errors import StoreError
from digest.ingest.dumps import ingest
from digest.ingest.sources import read_dump
from digest.store import SCHEMA_VERSION, Store, title_key

from conftest import NOW, make_dump

pytestmark = pytest.mark.backends  # tests that take `db_at` run on SQLite and PostgreSQL


def rows(store: Store, sql: str) -> int:
    return int(store.db.execute(sql).fetchone()[0])


def test_the_five_shared_dumps_yield_286_distinct_papers_from_402_entries(db_at, tmp_path, shared_dumps):
    with Store(db_at) as store:
        report = ingest(store, shared_dumps, NOW)
        assert not report.failures
        assert sum(r.entries for r in report.results) == 402
        assert sum(r.new_papers for r in report.results) == 286
        assert store.counts()["papers"] == 286

        again = ingest(store, shared_dumps, NOW)
        assert all(r.already_ingested for r in again.results)
        assert sum(r.new_papers for r in again.results) == 0
        assert store.counts() == {"papers": 286, "listings": 5}
        assert rows(store, "SELECT COALESCE(SUM(entries), 0) FROM listings") == 402
        assert rows(store, "SELECT COUNT(*) FROM deliveries") == 0


def test_a_paper_remembers_every_listing_it_appeared_in(db_at, tmp_path, shared_dumps):
    with Store(db_at) as store:
        ingest(store, shared_dumps, NOW)
        rows = store.db.execute(
            "SELECT lp.paper_id, l.day FROM listings l JOIN listing_papers lp ON lp.listing_id = l.id "
            "ORDER BY lp.paper_id, l.day"
        ).fetchall()
    days: dict[int, list[str]] = {}
    for paper_id, day in rows:
        days.setdefault(paper_id, []).append(day)
    assert len(days) == 286
    assert max(len(d) for d in days.values()) > 1
    for paper_days in days.values():
        assert paper_days == sorted(paper_days)


def test_titles_are_deduplicated_ignoring_case_whitespace_and_punctuation():
    assert title_key("Attention Is All  You Need!") == title_key("attention is all you need")
    assert title_key("Event-Driven SNNs: a survey") == title_key("event driven snns  a survey")
    assert title_key("Graph A") != title_key("Graph B")


def test_first_seen_is_the_earliest_listing_day_even_when_dumps_arrive_out_of_order(db_at, tmp_path):
    later = tmp_path / "later.txt"
    later.write_text(make_dump("Mar 14", [("Same Paper", "abstract")]))
    earlier = tmp_path / "earlier.txt"
    # (a title that ends with a period has an abstract that ends a sentence: else the dump reads
    # as out of step, digest.ingest.sources.trending)
    earlier.write_text(make_dump("Mar 12", [("Same paper.", "An abstract.")]))
    with Store(db_at) as store:
        ingest(store, [later, earlier], NOW)
        (paper,) = store.papers()
    assert paper.first_seen.day == 12


def test_a_failure_in_the_middle_of_a_dump_stores_nothing_of_it(tmp_path):
    dump = tmp_path / "day.txt"
    dump.write_text(make_dump("Mar 14", [("Fine", "a"), ("Breaks the disk", "b"), ("Never", "c")]))
    with Store(tmp_path / "d.db") as store:
        # a real SQLite failure half-way through the dump's transaction
        store.db.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON papers WHEN NEW.title = 'Breaks the disk' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        with pytest.raises(sqlite3.IntegrityError):
            store.add_listing(read_dump(dump), NOW)
        assert store.counts() == {"papers": 0, "listings": 0}
        assert rows(store, "SELECT COUNT(*) FROM listing_papers") == 0


def test_deliveries_mark_papers_sent_for_that_reader_only(db_at, tmp_path):
    dump = tmp_path / "day.txt"
    dump.write_text(make_dump("Mar 14", [("One", "a"), ("Two", "b")]))
    with Store(db_at) as store:
        ingest(store, [dump], NOW)
        one, two = store.papers()
        store.record_delivery("ada", "<m1@x>", "ada@example.org", [one.id], NOW)
        assert store.reserved_paper_ids("ada") == {one.id}
        assert store.reserved_paper_ids("kurt") == set()
        assert store.deliveries("ada")[0].message_id == "<m1@x>"


def test_a_batch_of_readers_is_answered_as_each_reader_alone(db_at, tmp_path):
    """What a tick asks about 25 readers at once equals what it would ask one by one."""
    dump = tmp_path / "day.txt"
    dump.write_text(make_dump("Mar 14", [("One", "a"), ("Two", "b"), ("Three", "c")]))
    with Store(db_at) as store:
        ingest(store, [dump], NOW)
        one, two, three = store.papers()
        outbox = Outbox(store)
        with store.transaction():
            outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<q@x>", subject="s", mime=b"m",
                paper_ids=[two.id], now=NOW, through=two.id,
            )  # fmt: skip
            outbox.enqueue(
                user="cy", recipient="cy@example.org", message_id="<f@x>", subject="s", mime=b"m",
                paper_ids=[one.id], now=NOW, through=one.id,
            )  # fmt: skip
            outbox.enqueue(
                user="dee", recipient="dee@example.org", message_id="<d@x>", subject="s", mime=b"m",
                paper_ids=[one.id], now=NOW, through=one.id,
            )  # fmt: skip
            store.db.execute("UPDATE outbox SET status = 'failed' WHERE message_id IN ('<f@x>', '<d@x>')")
            store.set_schedule_states([("ada", "2026-03-14"), ("bob", "2026-03-13")], NOW)
        store.record_delivery("bob", "<old@x>", "bob@example.org", [one.id], NOW)  # before the outbox
        later = NOW + dt.timedelta(days=1, minutes=5)
        store.record_delivery("bob", "<new@x>", "bob@example.org", [three.id], later)
        store.record_delivery("cy", "<c@x>", "cy@example.org", [two.id], NOW)
        users = ["ada", "bob", "cy", "dee", "kurt"]
        assert (
            store.last_delivered(users)
            == {u: store.deliveries(u)[-1].sent_at for u in users if store.deliveries(u)}
            == {"bob": later, "cy": NOW}
        )
        assert store.previous_digests_through(users) == {u: store.previous_digest_through(u) for u in users}
        assert store.previous_digests_through(users)["kurt"] is None
        assert store.previous_digests_through(users)["dee"] == one.id  # none kept: where the first ended
        # cy's last kept is a delivery older than the outbox (<c@x>), all failed since: where it ended
        assert store.previous_digests_through(users)["cy"] == three.id
        assert store.reserved_paper_ids_of(users) == {u: store.reserved_paper_ids(u) for u in users}
        assert store.reserved_paper_ids_of(users, since=two.id) == {  # a window from paper two on
            u: {i for i in store.reserved_paper_ids(u) if i >= two.id} for u in users
        }
        assert store.reserved_paper_ids_of(["bob"], since=two.id) == {"bob": {three.id}}
        assert store.schedule_states(users) == {
            u: state for u in users if (state := store.schedule_state(u)) is not None
        }
        days = store.listing_days([one.id, two.id, three.id])
        assert max(days.values()) == store.latest_day([one.id, two.id, three.id])


def test_the_schema_carries_a_version_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "d.db"
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this digest understands"):
        Store(path)


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "d.db"
    path.write_text("not sqlite " * 200)
    with pytest.raises(StoreError, match=r"d\.db: the database file is corrupt"):
        Store(path)


def test_timestamps_must_be_timezone_aware(tmp_path):
    dump = tmp_path / "day.txt"
    dump.write_text(make_dump("Mar 14", [("One", "a")]))
    with Store(tmp_path / "d.db") as store, pytest.raises(ValueError):
        store.add_listing(read_dump(dump), dt.datetime(2026, 3, 14))
    assert Path(tmp_path / "d.db").exists()


def test_a_version_3_database_migrates_and_its_readers_windows_start_after_their_last_digest(tmp_path):
    import sqlite3

    from digest.schema import MIGRATIONS
    from digest.store import sql_statements

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for v in range(3):  # a database made by the release before the next-digest one
        for statement in sql_statements(MIGRATIONS[v]):
            db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES "
        "('a', 'A', 'x', '2026-03-14', '2026-03-14T06:00:00+00:00'), "
        "('b', 'B', 'y', '2026-03-15', '2026-03-15T06:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) "
        "VALUES ('ada', '<m1@x>', 'ada@example.org', 1, '2026-03-14T07:00:00+00:00')"
    )
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.previous_digest_through("ada") == 1  # paper A was stored by then
        assert [p.title for p in store.papers_after(1)] == ["B"]
        assert store.previous_digest_through("bob") is None  # never had one: the latest listing


def test_embeddings_of_readers_texts_are_kept_per_model_and_found_by_their_exact_text(db_at):
    long_text = ", ".join(f"interest number {i}" for i in range(400))  # longer than any index key
    vectors = {"spiking networks": (2, b"\x00\x00\x80?\x00\x00\x00\x00"), long_text: (1, b"\x00\x00\x80?")}
    with Store(db_at) as store:
        store.save_text_embeddings("model-a", vectors)
        store.save_text_embeddings("model-a", {"spiking networks": (1, b"\x00\x00\x00@")})  # replaced
    with Store(db_at) as store:
        found = store.text_embeddings("model-a", ["spiking networks", long_text, "not stored"])
        assert found == {"spiking networks": b"\x00\x00\x00@", long_text: b"\x00\x00\x80?"}
        assert store.text_embeddings("model-b", ["spiking networks"]) == {}  # another model: not these


def test_an_sqlite_database_never_imports_psycopg(tmp_path):
    """psycopg costs a third of a second at start-up: only a postgresql:// URL loads it."""
    code = (
        "import sys; import digest.cli; from digest.store import Store; "
        f"Store({str(tmp_path / 'x.db')!r}).close(); print('psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
