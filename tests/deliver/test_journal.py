"""The journal of accepted messages: on SQLite, over one connection or several, what the server
accepts is noted in a file beside the database and recorded in batches; a pass that ends without
recording leaves the file, and the next pass records it before it sends anything."""

from __future__ import annotations

import datetime as dt
import fcntl
import os

import pytest

from digest.deliver.delivery import RateLimiter, deliver_due
from digest.deliver.journal import Journal, journals, read, replay
from digest.deliver.outbox import QUEUED, SENT, Outbox
from digest.deliver.unrecorded import Accepted, DeliveryHalted, Unrecorded
from digest.demo.smtp_server import LocalSmtpServer
from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, Workspace, make_dump

MIME = b"From: d@example.org\r\nTo: r@example.org\r\nSubject: digest\r\n\r\nhello\r\n"


PAPERS = [(f"Neuromorphic Result {i}", f"An event-driven neuromorphic chip, take {i}.") for i in range(600)]


def queued(store: Store, readers: int) -> list[int]:
    """``readers`` queued messages, each with 600 papers: recording one needs new pages (see fill)."""
    dump = store.path.parent / "day.txt"
    dump.write_text(make_dump("Mar 14", PAPERS))
    ingest(store, [dump], NOW)
    papers = [p.id for p in store.papers()]
    outbox = Outbox(store)
    with store.transaction():
        return [
            outbox.enqueue(
                user=f"r{i}",
                recipient=f"r{i}@example.org",
                message_id=f"<m{i}@example.org>",
                subject="digest",
                mime=MIME,
                paper_ids=papers,
                now=NOW,
            )
            for i in range(readers)
        ]


def fill(store: Store) -> None:
    """The disk is full: the database may not grow past the pages it has now."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")


def accepted(row_id: int, i: int) -> Accepted:
    return Accepted(row_id, f"r{i}", f"r{i}@example.org", "250 OK", NOW + dt.timedelta(seconds=i))


def test_a_journal_left_by_a_killed_pass_is_recorded_by_the_next_and_removed(tmp_path):
    store = Store(tmp_path / "digest.db")
    ids = queued(store, 3)
    journal = Journal.open(store)
    assert journal is not None and journal.path.name.startswith("digest.db.sent-")
    journal.note(accepted(ids[0], 0))
    journal.note(accepted(ids[1], 1))
    os.close(journal.fd)  # the process died: its lock went with it, the file stays
    assert [a.outbox_id for a in read(journal.path)] == ids[:2]

    assert replay(Outbox(store)) == 2
    statuses = [Outbox(store).get(i).status for i in ids]
    assert statuses == [SENT, SENT, QUEUED]
    assert Outbox(store).get(ids[1]).sent_at == NOW + dt.timedelta(seconds=1)  # the time it was accepted
    assert journals(store.path) == []
    assert replay(Outbox(store)) == 0  # nothing twice


def test_the_journal_of_a_running_pass_is_left_to_it(tmp_path):
    store = Store(tmp_path / "digest.db")
    ids = queued(store, 1)
    journal = Journal.open(store)
    journal.note(accepted(ids[0], 0))
    assert replay(Outbox(store)) == 0  # locked: its pass records it itself
    assert Outbox(store).get(ids[0]).status == QUEUED
    assert journals(store.path) == [journal.path]
    journal.close(remove=False)
    assert replay(Outbox(store)) == 1


def test_a_line_cut_by_a_failed_write_is_left_out_and_the_rest_recorded(tmp_path, caplog):
    store = Store(tmp_path / "digest.db")
    ids = queued(store, 3)
    journal = Journal.open(store)
    journal.note(accepted(ids[0], 0))
    os.write(journal.fd, b'\n{"outbox_id": %d, "user": "r1", "rec' % ids[1])  # a write cut short (full disk)
    journal.note(accepted(ids[2], 2))  # another connection's note, after it
    os.close(journal.fd)
    assert replay(Outbox(store)) == 2
    assert [Outbox(store).get(i).status for i in ids] == [SENT, QUEUED, SENT]  # the cut one: sent again
    assert "line 3: not a whole entry" in caplog.text


def test_a_journal_that_cannot_be_recorded_stops_delivery_and_is_kept(tmp_path):
    store = Store(tmp_path / "digest.db")
    ids = queued(store, 1)
    journal = Journal.open(store)
    journal.note(accepted(ids[0], 0))
    os.close(journal.fd)
    fill(store)
    with pytest.raises(DeliveryHalted, match="nothing is sent until then") as err:
        replay(Outbox(store))
    assert "r0 <r0@example.org>" in str(err.value) and journal.path.name in str(err.value)
    assert journals(store.path) == [journal.path]
    store.db.execute("PRAGMA max_page_count = 1000000")
    assert replay(Outbox(store)) == 1


@pytest.mark.parametrize("connections", [1, 3])
def test_the_connections_note_what_is_accepted_and_record_it_in_batches(tmp_path, connections):
    class Watching:  # at each message's data: what the journal and the database say
        def __init__(self) -> None:
            self.seen: list[tuple[int, int]] = []  # (journal entries, recorded as sent)

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
            noted = sum(len(read(p)) for p in journals(store.path))
            with Store(store.path) as other:
                sent = other.db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
            self.seen.append((noted, sent))
            return "250 OK"

    handler = Watching()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        store = Store(ws.config.database)
        ids = queued(store, 40)
        limiter = RateLimiter(None)
        outcomes = deliver_due(ws.config, store, None, NOW, limiter=limiter, connections=connections)
    assert len(handler.seen) == 40 and all(o.ok for o in outcomes)
    assert max(noted - sent for noted, sent in handler.seen) >= 2  # noted, not yet recorded: batches
    assert all(noted >= sent for noted, sent in handler.seen)  # nothing recorded before it is noted
    assert {Outbox(store).get(i).status for i in ids} == {SENT}
    assert journals(store.path) == []  # everything recorded: the journal is gone


@pytest.mark.parametrize("connections", [1, 2])
def test_a_pass_that_halts_keeps_its_journal_and_the_next_records_it_without_resending(tmp_path, connections):
    with LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port)
        store = Store(ws.config.database)
        ids = queued(store, 6)
        fill(store)  # before any result is recorded
        with pytest.raises(DeliveryHalted):
            deliver_due(ws.config, store, None, NOW, limiter=RateLimiter(None), connections=connections)
        sent = len(server.messages)
        assert sent >= 1
        [kept] = journals(store.path)
        noted = {a.outbox_id for a in read(kept)}
        assert len(noted) == sent and noted <= set(ids)
        with open(kept) as f:  # nobody holds it any more
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        Unrecorded(store.path).clear()  # the note of stop_delivery could not be written: the journal alone
        store.db.execute("PRAGMA max_page_count = 1000000")  # space again
        later = NOW + dt.timedelta(minutes=5)
        deliver_due(ws.config, store, None, later, limiter=RateLimiter(None), connections=connections)
        got = [m.rcpt_tos[0] for m in server.messages]
    assert sorted(set(got)) == sorted(f"r{i}@example.org" for i in range(6))
    assert len(got) == 6  # none sent twice: the accepted ones were recorded first
    assert {Outbox(store).get(i).status for i in ids} == {SENT}
    assert journals(store.path) == []


def test_a_journal_left_through_a_symbolic_link_is_recorded_by_a_pass_through_the_file_itself(tmp_path):
    """A pass killed with the database named through a link (link.db -> digest.db, a config of
    its own) left link.db.sent-*: the next pass through digest.db (another config) did not see
    it and sent those messages again. Journals are kept beside the file itself now."""
    (tmp_path / "link.db").symlink_to("digest.db")
    ids = queued(Store(tmp_path / "digest.db"), 3)
    journal = Journal.open(Store(tmp_path / "link.db"))
    assert journal is not None
    journal.note(accepted(ids[0], 0))
    os.close(journal.fd)  # the process died
    store = Store(tmp_path / "digest.db")
    assert replay(Outbox(store)) == 1  # was 0: the message queued, sent again
    assert [Outbox(store).get(i).status for i in ids] == [SENT, QUEUED, QUEUED]


def test_a_journal_an_earlier_release_left_beside_the_link_is_recorded_through_either_name(tmp_path):
    (tmp_path / "link.db").symlink_to("digest.db")
    ids = queued(Store(tmp_path / "digest.db"), 2)
    journal = Journal.open(Store(tmp_path / "digest.db"))
    assert journal is not None
    journal.note(accepted(ids[1], 1))
    os.close(journal.fd)
    journal.path.rename(tmp_path / "link.db.sent-1-abcd")  # where an earlier release kept it
    assert replay(Outbox(Store(tmp_path / "link.db"))) == 1
    assert journals(tmp_path / "link.db") == journals(tmp_path / "digest.db") == []


def test_unrecorded_messages_noted_through_a_symbolic_link_are_seen_through_the_file_itself(tmp_path):
    """The note of messages accepted but not recorded (a full disk) likewise: the next pass
    through the file's own name sent them again."""
    (tmp_path / "link.db").symlink_to("digest.db")
    assert Unrecorded(tmp_path / "link.db").add([accepted(7, 0)])
    assert [a.outbox_id for a in Unrecorded(tmp_path / "digest.db").entries()] == [7]  # was []
    Unrecorded(tmp_path / "digest.db").clear()
    assert Unrecorded(tmp_path / "link.db").entries() == []
