"""A bare policy refusal (SendResult.vague) fails its message when it comes again after a first
that came alone: the server took a message of ours right before and right after it
(digest.deliver.alone). Read in the order the server answered, not the order the results were
recorded: on SQLite a message the server accepted is noted in the pass's journal and recorded
later, in a batch, while a refusal is recorded at once (digest.deliver.journal); over several
connections, or several workers, results are recorded slightly out of send order too. Real aiosmtpd
servers on loopback, a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from test_refusals_after_data import TurningAway

from digest.db import POSTGRESQL
from digest.deliver.alone import refused_alone
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import FAILED, QUEUED, SENT, NewMessage, Outbox
from digest.deliver.pacing import RetryPolicy
from digest.deliver.transports import Refused
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import SCHEMA_VERSION, Store, iso

from conftest import NOW

pytestmark = pytest.mark.backends

REJECTED = "554 5.7.1 Rejected"


def plain(n: int) -> NewMessage:
    return NewMessage(
        f"r{n}", f"r{n}@example.org", f"<m{n}@example.org>", "S", b"Subject: s\r\n\r\nx\r\n", ()
    )


def deliver(workspace, store, port: int, now: dt.datetime, fresh: list[NewMessage] | None = None):
    workspace.config_path.write_text(workspace.config_path.read_text().replace("port: 2525", f"port: {port}"))
    return deliver_due(
        workspace.config,
        store,
        None,
        now,
        policy=RetryPolicy(first_seconds=60),
        fresh=iter(fresh) if fresh is not None else None,
        fresh_count=len(fresh or ()),
        connections=1,
    )


def test_a_message_accepted_before_the_refusal_but_recorded_after_it_is_not_mail_taken_since(workspace):
    """r0 taken, then the server refuses every message (its account's limit reached): r1-r5 wait.
    r0's acceptance is recorded after their refusals (the journal's batch), but came before them:
    at the retry, refused again with nothing taken since, they wait again (the pass stops at 3 in
    a row); none fails."""
    handler = TurningAway(REJECTED)
    with LocalSmtpServer(handler) as server, Store(workspace.config.database) as store:
        first = deliver(workspace, store, server.port, NOW, [plain(n) for n in range(6)])
        assert [o.ok for o in first].count(True) == 1 and len(first) == 6
        later = NOW + dt.timedelta(hours=1)
        with pytest.raises(Refused, match="3 recipients in a row after DATA"):
            deliver(workspace, store, server.port, later)
        counts = Outbox(store).counts()
    assert counts == {QUEUED: 5, SENT: 1, FAILED: 0}


def test_a_refusal_is_alone_when_the_server_took_mail_right_before_and_after_it(workspace):
    """The order the server answered in, not the one results were recorded in: r1 refused at
    12:00:05; r0's acceptance at 12:00:01 recorded after it is before it, and nothing after it yet
    (not alone); r2's at 12:00:09 after it (alone); r3's refusal at 12:00:07, recorded last, comes
    between: r1 was refused among others (a quota run out), not alone."""
    with Store(workspace.config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            msgs = [outbox.add(plain(n), NOW) for n in range(4)]
        at = lambda s: NOW + dt.timedelta(seconds=s)  # noqa: E731
        outbox.mark_retry(msgs[1], REJECTED, at(5), at(65))
        outbox.mark_sent(msgs[0], "250 OK", at(1))
        assert not refused_alone(store.db, msgs[1].id)
        outbox.mark_sent(msgs[2], "250 OK", at(9))
        assert refused_alone(store.db, msgs[1].id)
        outbox.mark_retry(msgs[3], REJECTED, at(7), at(67))
        assert not refused_alone(store.db, msgs[1].id)
        assert not refused_alone(store.db, msgs[3].id)  # r1 refused right before it


def test_a_refusal_is_not_alone_when_its_neighbour_came_after_another_refusal(workspace):
    """A quota run out: r0 taken, r1 and r2 refused, r3 taken (the next hour). r1 came after an
    acceptance but before r2's refusal; r2 came before an acceptance but after r1's: neither alone."""
    with Store(workspace.config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            msgs = [outbox.add(plain(n), NOW) for n in range(4)]
        at = lambda s: NOW + dt.timedelta(seconds=s)  # noqa: E731
        outbox.mark_sent(msgs[0], "250 OK", at(1))
        outbox.mark_retry(msgs[1], REJECTED, at(2), at(62))
        outbox.mark_retry(msgs[2], REJECTED, at(3), at(63))
        outbox.mark_sent(msgs[3], "250 OK", at(3600))
        assert not refused_alone(store.db, msgs[1].id) and not refused_alone(store.db, msgs[2].id)


def test_attempts_kept_to_the_second_sort_with_those_kept_to_the_microsecond(workspace):
    """Attempts written before they were kept to the microsecond ('12:00:05+00:00') beside new ones:
    the same second's new attempt comes after the old one, an old one of the same second as the
    refusal is in doubt (it may have come before or after): the message waits once more."""
    with Store(workspace.config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            msgs = [outbox.add(plain(n), NOW) for n in range(4)]
        old = lambda s: iso(NOW + dt.timedelta(seconds=s))  # noqa: E731
        with store.transaction():
            for msg, second, ok in ((msgs[0], 4, 1), (msgs[1], 5, 0), (msgs[2], 5, 1)):
                store.db.execute(
                    "INSERT INTO attempts (outbox_id, at, ok, reply) VALUES (?,?,?,?)",
                    (msg.id, old(second), ok, "250 OK" if ok else REJECTED),
                )
        assert not refused_alone(store.db, msgs[1].id)  # r2 taken in the same second: in doubt
        store.db.execute("DELETE FROM attempts WHERE outbox_id = ?", (msgs[2].id,))
        outbox.mark_sent(msgs[3], "250 OK", NOW + dt.timedelta(seconds=5, microseconds=1))
        assert refused_alone(store.db, msgs[1].id)  # 12:00:05.000001 is after 12:00:05
        stamps = [r[0] for r in store.db.execute("SELECT at FROM attempts ORDER BY at")]
    assert stamps == [
        "2026-03-20T12:00:04+00:00",
        "2026-03-20T12:00:05+00:00",
        "2026-03-20T12:00:05.000001+00:00",
    ]


def test_a_refusals_neighbours_are_read_along_an_index_made_by_a_migration(workspace):
    """However many attempts are kept (a year of them), a refusal's neighbours are found along the
    index attempts_at, which a database of the release before (schema 23) gets when it is opened."""
    with Store(workspace.config.database) as store:
        postgres = store.dialect == POSTGRESQL
        with store.transaction():
            store.db.execute("DROP INDEX attempts_at")
            if postgres:
                store.db.execute("UPDATE schema_version SET version = 23")
        if not postgres:
            store.db.execute("PRAGMA user_version = 23")
    with Store(workspace.config.database) as store:
        assert store.schema_version == SCHEMA_VERSION
        if postgres:
            indexes = "SELECT indexdef FROM pg_indexes WHERE indexname = 'attempts_at'"
            assert [r[0] for r in store.db.execute(indexes)][0].endswith(
                "ON public.attempts USING btree (at)"
            )
            return
        for sql in (
            "SELECT at FROM attempts WHERE at >= ? AND outbox_id != ? ORDER BY at LIMIT 1",
            "SELECT at FROM attempts WHERE at <= ? AND outbox_id != ? ORDER BY at DESC LIMIT 1",
            "SELECT MIN(ok) FROM attempts WHERE at = ? AND outbox_id != ?",
        ):
            plan = " ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", ("x", 1)))
            assert "USING INDEX attempts_at" in plan
