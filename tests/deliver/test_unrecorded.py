"""A full disk after the server accepted a message: delivery stops instead of sending it again.

The disk is a real SQLite size limit (``PRAGMA max_page_count``): recording the accepted
message needs new pages, which the database may not take."""

from __future__ import annotations

import asyncio
import datetime as dt

import psycopg
import pytest
from helpers.unrecorded_outbox import MIME, fill, setup

from digest.deliver.delivery import RateLimiter, deliver_due
from digest.deliver.outbox import QUEUED, SENT, Outbox
from digest.deliver.unrecorded import DeliveryHalted, Unrecorded
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import NOW, Workspace, postgres_database, read_only_file


def test_an_accepted_message_that_cannot_be_recorded_stops_delivery_and_is_never_sent_again(tmp_path):
    with LocalSmtpServer() as server:
        ws, store = setup(tmp_path, server.port, readers=3)
        config = ws.config
        fill(store)
        with pytest.raises(DeliveryHalted, match="database or disk is full") as err:
            deliver_due(config, store, None, NOW, limiter=RateLimiter(None), connections=1)
        assert "r0@example.org" in str(err.value) and "not be sent again" in str(err.value)
        # what the server accepted before the record failed (on SQLite the results are noted in
        # the pass's journal and recorded a batch at a time: here all three, at the pass's end)
        sent = len(server.messages)
        assert sent >= 1
        later = NOW
        for _ in range(5):  # the disk stays full: every pass refuses, nothing is re-sent
            later += dt.timedelta(minutes=5)
            with pytest.raises(DeliveryHalted, match="still not recorded"):
                deliver_due(config, store, None, later, limiter=RateLimiter(None), connections=1)
        assert len(server.messages) == sent
        assert Unrecorded(config.database).entries()  # what status shows

        store.db.execute("PRAGMA max_page_count = 1073741823")  # space again
        deliver_due(config, store, None, later, limiter=RateLimiter(None), connections=1)
        outbox = Outbox(store)
        assert outbox.counts()[SENT] == 3 and outbox.counts()[QUEUED] == 0
        assert sorted(m.rcpt_tos[0] for m in server.messages) == [f"r{i}@example.org" for i in range(3)]
        assert store.sent_paper_ids("r0") == {p.id for p in store.papers()}
        assert not Unrecorded(config.database).entries()
        store.close()


def test_when_even_the_note_cannot_be_written_the_same_process_still_does_not_send_again(tmp_path):
    with LocalSmtpServer() as server:
        ws, store = setup(tmp_path, server.port, readers=2)
        config = ws.config
        journal = Unrecorded(config.database)
        journal.path = tmp_path / "no-such-folder" / "x"  # no file can be written: memory only
        fill(store)
        with pytest.raises(DeliveryHalted):
            deliver_due(config, store, None, NOW, limiter=RateLimiter(None), unrecorded=journal)
        sent = len(server.messages)
        with pytest.raises(DeliveryHalted):
            deliver_due(config, store, None, NOW, limiter=RateLimiter(None), unrecorded=journal)
        assert len(server.messages) == sent
        store.close()


def test_while_the_disk_stays_full_a_pass_names_the_digests_still_not_recorded_first(tmp_path):
    """The spare's room is gone too (the note was written into it): the next pass said only that
    it could not keep the spare, not that r0's digest is still not recorded."""
    with LocalSmtpServer() as server:
        ws, store = setup(tmp_path, server.port, readers=2)
        fill(store)
        with pytest.raises(DeliveryHalted):
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
        journal = Unrecorded(ws.config.database)
        (tmp_path / "full").mkdir()
        journal.spare = tmp_path / "full" / "digest.db.unrecorded.spare"  # no room for it there
        with read_only_file(tmp_path / "full"), pytest.raises(DeliveryHalted) as err:
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), unrecorded=journal)
        store.close()
    assert "2 digests the server accepted are still not recorded" in str(err.value)  # was: the spare's
    assert "r0 <r0@example.org>" in str(err.value) and "spare" not in str(err.value)


def test_status_says_delivery_is_stopped_and_names_the_accepted_digest(tmp_path):
    with LocalSmtpServer() as server:
        ws, store = setup(tmp_path, server.port, readers=2)
        fill(store)
        with pytest.raises(DeliveryHalted):
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=1)
        store.close()
        result = ws.cli("status")
        assert result.exit_code == 0, result.output
        assert "DELIVERY STOPPED" in result.output and "r0 <r0@example.org>" in result.output


class ConnectionLostMeanwhile(Mailbox):
    """Accepts every message; while it takes the first, the worker's PostgreSQL connection is
    ended (a restart of the server, a failover): the worker cannot record what was accepted."""

    backend: int = 0

    async def handle_DATA(self, server, session, envelope):
        if not self.messages:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (self.backend,))
        return await super().handle_DATA(server, session, envelope)


def queue_three(store: Store, readers: int = 3) -> None:
    outbox = Outbox(store)
    with store.transaction():
        for i in range(readers):
            outbox.enqueue(
                user=f"r{i}", recipient=f"r{i}@example.org", message_id=f"<m{i}@example.org>",
                subject="digest", mime=MIME, paper_ids=[], now=NOW,
            )  # fmt: skip


def test_a_connection_lost_after_the_server_accepted_says_so_and_the_next_pass_records_it(tmp_path, caplog):
    handler = ConnectionLostMeanwhile()
    with postgres_database() as url, LocalSmtpServer(handler) as server:
        config = Workspace(tmp_path, server.port, database=url).config
        with Store(config.database) as store:
            queue_three(store)
            handler.backend = store.db.raw.info.backend_pid
            with pytest.raises(DeliveryHalted) as halted:  # was: the next statement's psycopg.Error
                deliver_due(config, store, None, NOW)  # (the next message read): the halt unsaid
        assert "the server accepted the digest to r0 <r0@example.org>" in str(halted.value)
        (said,) = [r.getMessage() for r in caplog.records if r.levelname == "CRITICAL"]
        assert "r0@example.org" in said and "not be sent again" in said
        assert "Free space" not in said and "once the database answers again" in said
        with Store(config.database) as store:  # the next pass, the database back: recorded, then the others
            deliver_due(config, store, None, NOW)
            assert Outbox(store).counts()[SENT] == 3
    assert sorted(m.rcpt_tos[0] for m in handler.messages) == [f"r{i}@example.org" for i in range(3)]


def test_a_connection_lost_where_the_config_folder_is_read_only_says_where_the_note_is(tmp_path, caplog):
    """On PostgreSQL with the config's folder read-only (/etc/digest), a worker sends (its note
    then in memory only): the halt said 'no note of it can be written: restart only once there
    is space', a full disk's advice, where no disk is full and the note is this process's alone."""
    handler = ConnectionLostMeanwhile()
    with postgres_database() as url, LocalSmtpServer(handler) as server:
        config = Workspace(tmp_path, server.port, database=url).config
        with Store(config.database) as store, read_only_file(tmp_path):
            queue_three(store)
            handler.backend = store.db.raw.info.backend_pid
            with pytest.raises((DeliveryHalted, psycopg.Error)):
                deliver_due(config, store, None, NOW)
    (said,) = [r.getMessage() for r in caplog.records if "delivery is stopped" in r.getMessage()]
    assert "there is space" not in said, said
    assert f"no note of it can be written in {tmp_path} (see the lines before)" in said
    assert "this command ends with it in its memory only, so a worker sends it again" in said


class LostBetweenTwoConnections(Mailbox):
    """Two connections at once: while it takes r0's message, the pass's PostgreSQL connection is
    ended; r1's address is then refused (550, a result to record, none accepted), and r0's message
    accepted only once r1's connection has quit: its worker failed first."""

    backend: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.ended = self.r1_quit = False

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == "r1@example.org":
            while not self.ended:
                await asyncio.sleep(0.01)
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with psycopg.connect(autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (self.backend,))
        self.ended = True
        while not self.r1_quit:
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)

    async def handle_QUIT(self, server, session, envelope) -> str:
        self.r1_quit = self.r1_quit or self.ended
        return "221 Bye"


def test_with_two_connections_the_halt_is_said_whichever_connection_failed_first(tmp_path, caplog):
    """The connection that could not record r1's refusal failed first ("cannot record the delivery
    results: ...", or the pass's own next statement's error): that was said, not the halt naming
    r0's digest, which the server accepted and nothing recorded."""
    handler = LostBetweenTwoConnections()
    with postgres_database() as url, LocalSmtpServer(handler) as server:
        config = Workspace(tmp_path, server.port, database=url).config
        with Store(config.database) as store:
            queue_three(store, readers=2)
            handler.backend = store.db.raw.info.backend_pid
            with pytest.raises(DeliveryHalted) as halted:
                deliver_due(config, store, None, NOW, connections=2)
        assert "the server accepted the digest to r0 <r0@example.org>" in str(halted.value)
        with Store(config.database) as store:  # the next pass records r0's as sent
            deliver_due(config, store, None, NOW, connections=2)
            assert Outbox(store).counts()[SENT] == 1
    assert [m.rcpt_tos for m in handler.messages] == [["r0@example.org"]]
