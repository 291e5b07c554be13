"""The outbox: a digest is stored before any attempt, and recorded sent only once accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.queue import queue_digests
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.select.digests import next_digests
from digest.store import Store

from conftest import NOW, Workspace, make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL


class Flaky:
    """A real SMTP server whose answer to DATA the test sets: '451 ...', '554 ...' or accept."""

    def __init__(self) -> None:
        self.reply = "451 4.3.0 try again later"
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        if self.reply.startswith("250"):
            self.messages.append(envelope.content)
        return self.reply


def setup(ws: Workspace) -> None:
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")


def test_a_passing_refusal_keeps_the_message_queued_and_the_retry_reuses_its_message_id(database, tmp_path):
    handler = Flaky()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        setup(ws)
        config = ws.config
        with Store(config.database) as store:
            ingest(store, [config.inbox / "day.txt"], NOW)
            (queued_id,) = queue_digests(config, store, next_digests(store, load_profiles(config), NOW), NOW)
            outbox = Outbox(store)
            assert [m.status for m in outbox.messages()] == [QUEUED]  # stored before any attempt
            with SmtpSender(config.smtp) as sender:
                (first,) = deliver_due(config, store, sender, NOW)
            assert not first.ok and first.retry_at is not None
            # the first wait is retry_first_seconds (60), shortened by up to 20% of jitter
            assert NOW + dt.timedelta(seconds=48) <= first.retry_at <= NOW + dt.timedelta(seconds=60)
            assert first.reply.startswith("451")
            # the papers are reserved: a new digest does not repeat them
            assert next_digests(store, load_profiles(config), NOW)[0].matches == ()
            with SmtpSender(config.smtp) as sender:
                assert deliver_due(config, store, sender, NOW + dt.timedelta(seconds=30)) == []
                handler.reply = "250 OK"
                (second,) = deliver_due(config, store, sender, NOW + dt.timedelta(seconds=61))
            assert second.ok and second.message_id == queued_id
            (msg,) = outbox.messages()
            assert msg.status == SENT and msg.attempts == 2
            assert store.sent_paper_ids("ada") == set(msg.paper_ids)
    assert len(handler.messages) == 1 and f"Message-ID: {queued_id}".encode() in handler.messages[0]


def test_a_permanent_refusal_fails_the_message_and_frees_its_papers(database, tmp_path):
    handler = Flaky()
    handler.reply = "554 5.7.1 Message rejected as spam"  # the message's own (not a refusal of us)
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        setup(ws)
        config = ws.config
        with Store(config.database) as store:
            ingest(store, [config.inbox / "day.txt"], NOW)
            queue_digests(config, store, next_digests(store, load_profiles(config), NOW), NOW)
            with SmtpSender(config.smtp) as sender:
                (outcome,) = deliver_due(config, store, sender, NOW)
            assert not outcome.ok and outcome.retry_at is None
            (msg,) = Outbox(store).messages()
            assert msg.status == FAILED and msg.last_error == "554 5.7.1 Message rejected as spam"
            assert store.sent_paper_ids("ada") == set()
            assert len(next_digests(store, load_profiles(config), NOW)[0].matches) == 1


def test_a_message_is_stored_compressed_and_read_back_byte_for_byte(db_at):
    mime = b"Subject: Your digest\r\n\r\n" + b"<p>A paper about spiking networks.</p>\r\n" * 800
    with Store(db_at) as store:
        outbox = Outbox(store)
        with store.transaction():
            row = outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<m1@example.org>", subject="S",
                mime=mime, paper_ids=(), now=NOW,
            )  # fmt: skip
        (stored,) = store.db.execute("SELECT mime FROM outbox_mime WHERE outbox_id = ?", (row,)).fetchone()
        assert len(stored) * 4 < len(mime)  # kept compressed
        assert outbox.get(row).mime == mime and [m.mime for m in outbox.messages()] == [mime]


def test_bytes_stored_before_compression_read_back_as_they_were(db_at):
    with Store(db_at) as store:
        outbox = Outbox(store)
        with store.transaction():
            row = outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<m1@example.org>", subject="S",
                mime=b"x", paper_ids=(), now=NOW,
            )  # fmt: skip
            # what schema version 9 kept: the bytes themselves (the migration marks them packed = 0)
            store.db.execute("UPDATE outbox_mime SET mime = ?, packed = 0 WHERE outbox_id = ?", (b"raw", row))
        assert outbox.get(row).mime == b"raw"
