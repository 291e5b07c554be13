"""Retention: message bytes go after delivery.keep_days, the record of what was sent stays."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from digest.config import load_config
from digest.daemon.status import collect_status, format_status
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.retention import database_size, prune
from digest.errors import ConfigError
from digest.store import Store

from conftest import NOW

BIG = random.Random(7).randbytes(200 * 1024)  # a message's bytes (200 KB; kept compressed, so
# incompressible here), big enough for compaction to show


def queue(store: Store, n: int, when: dt.datetime, tag: str) -> list[int]:
    """n messages queued at ``when``, each with papers 1, 2 and 3."""
    outbox = Outbox(store)
    with store.transaction():
        for pid in (1, 2, 3):
            store.db.execute(
                "INSERT OR IGNORE INTO papers (id, key, title, abstract, first_seen, added_at) "
                "VALUES (?, ?, 'T', 'x', '2026-03-14', '2026-03-14')",
                (pid, f"t{pid}"),
            )
        return [
            outbox.enqueue(
                user=f"reader{i}",
                recipient=f"reader{i}@example.org",
                message_id=f"<{tag}.{i}@example.org>",
                subject="Your digest",
                mime=BIG,
                paper_ids=[1, 2, 3],
                now=when,
            )
            for i in range(n)
        ]


def test_after_keep_days_sent_and_failed_messages_lose_their_bytes_and_queued_ones_stay(workspace):
    config = workspace.config
    with Store(config.database) as store:
        outbox = Outbox(store)
        old = queue(store, 3, NOW, "old")
        sent, failed, waiting = (outbox.get(i) for i in old)
        outbox.mark_sent(sent, "250 ok", NOW)
        outbox.mark_failed(failed, "550 no such user", NOW)
        recent = queue(store, 1, NOW + dt.timedelta(days=6), "recent")
        outbox.mark_sent(outbox.get(recent[0]), "250 ok", NOW + dt.timedelta(days=6))

        report = prune(store, NOW + dt.timedelta(days=7, hours=1), keep_days=7)

        assert report.emptied == 2
        kept = {m.message_id: m for m in outbox.messages()}
        assert kept["<old.0@example.org>"].status == SENT and kept["<old.0@example.org>"].mime == b""
        assert kept["<old.0@example.org>"].paper_ids == (1, 2, 3)
        old_failure = kept["<old.1@example.org>"]  # failed, and older than keep_days: its record stays
        assert old_failure.status == FAILED and old_failure.mime == b"" and old_failure.last_error
        assert kept["<old.2@example.org>"].status == QUEUED and kept["<old.2@example.org>"].mime == BIG
        assert kept["<recent.0@example.org>"].mime == BIG  # sent 6 days ago: still whole
        assert [d.message_id for d in store.deliveries()] == ["<old.0@example.org>", "<recent.0@example.org>"]
        assert store.sent_paper_ids("reader0") == {1, 2, 3}
    later = collect_status(config, NOW + dt.timedelta(days=7, hours=1))
    assert "550 no such user" not in format_status(later)


def test_a_failed_message_stays_listed_by_status_until_keep_days(workspace):
    config = workspace.config
    with Store(config.database) as store:
        outbox = Outbox(store)
        (i,) = queue(store, 1, NOW, "f")
        outbox.mark_failed(outbox.get(i), "550 mailbox unavailable", NOW)
        prune(store, NOW + dt.timedelta(days=6), keep_days=7)
    assert "550 mailbox unavailable" in format_status(collect_status(config, NOW + dt.timedelta(days=6)))


def test_dropping_much_compacts_the_file_and_status_shows_its_size(workspace):
    config = workspace.config
    with Store(config.database) as store:
        outbox = Outbox(store)
        for i in queue(store, 60, NOW, "bulk"):
            outbox.mark_sent(outbox.get(i), "250 ok", NOW)
        full = database_size(store)
        assert full > 60 * len(BIG)
        report = prune(store, NOW + dt.timedelta(days=8), keep_days=7, vacuum_min_bytes=1_000_000)
        assert report.vacuumed and report.emptied == 60
        assert database_size(store) < full / 10
    status = format_status(
        collect_status(load_config(workspace.config_path), NOW)
    )  # indexes the papers first
    assert f"Database: {database_size(Store(config.database)) / 1e6:.1f} MB" in status


def test_keep_days_must_be_a_number_of_days(workspace):
    with workspace.config_path.open("a") as f:
        f.write("delivery:\n  keep_days: soon\n")
    with pytest.raises(ConfigError, match="delivery.keep_days"):
        load_config(workspace.config_path)


def test_a_version_7_database_keeps_its_queued_messages_bytes_through_the_migration(tmp_path):
    import sqlite3

    from digest.schema import MIGRATIONS
    from digest.store import sql_statements

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for v in range(7):
        for statement in sql_statements(MIGRATIONS[v]):
            db.execute(statement)
    db.execute("PRAGMA user_version = 7")
    db.execute(
        "INSERT INTO outbox (message_id, user, recipient, subject, mime, paper_ids, status, "
        "next_attempt_at, created_at) VALUES ('<a@x>', 'ada', 'ada@example.org', 'S', ?, '[]', "
        "'queued', '2026-03-20T12:00:00+00:00', '2026-03-20T12:00:00+00:00')",
        (BIG,),
    )
    db.close()
    with Store(path) as store:
        (msg,) = Outbox(store).messages()
        assert msg.mime == BIG and msg.status == QUEUED
        assert store.db.execute("SELECT length(mime) FROM outbox").fetchone() == (0,)
