"""A bare policy refusal (SendResult.vague) fails its message when it comes again after a first
that came alone: the server took the messages of ours before and after it
(digest.deliver.alone). Read in the order the server answered, not the order the results were
recorded: on SQLite a message the server accepted is noted in the pass's journal and recorded
later, in a batch, while a refusal is recorded at once (digest.deliver.journal); over several
connections, or several workers, results are recorded slightly out of send order too. Real aiosmtpd
servers on loopback, a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.fresh_messages import deliver, plain
from helpers.refusing_relay import TurningAway

from digest.db import POSTGRESQL
from digest.deliver.alone import refused_alone
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.transports import Refused
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import SCHEMA_VERSION, Store, iso

from conftest import NOW

pytestmark = pytest.mark.backends

REJECTED = "554 5.7.1 Rejected"


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


def stored(store: Store, count: int) -> list:
    outbox = Outbox(store)
    with store.transaction():
        return [outbox.add(plain(n), NOW) for n in range(count)]


def at(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def test_a_refusal_is_alone_when_the_server_took_three_messages_before_and_after_it(workspace):
    """The order the server answered in, not the one results were recorded in: r3 refused at
    12:00:10; r0-r2's acceptances before it recorded after it (a journal's batch); nothing after it
    yet, then two acceptances (not alone), a third (alone); then r7's refusal at 12:00:12.5,
    recorded last, comes among them: r3 was refused among others (a quota run out), not alone."""
    with Store(workspace.config.database) as store:
        outbox, msgs = Outbox(store), stored(store, 8)
        outbox.mark_retry(msgs[3], REJECTED, at(10), at(70))
        for n in range(3):
            outbox.mark_sent(msgs[n], "250 OK", at(n + 1))
        assert not refused_alone(store.db, msgs[3].id)
        outbox.mark_sent(msgs[4], "250 OK", at(11))
        outbox.mark_sent(msgs[5], "250 OK", at(12))
        assert not refused_alone(store.db, msgs[3].id)
        outbox.mark_sent(msgs[6], "250 OK", at(13))
        assert refused_alone(store.db, msgs[3].id)
        outbox.mark_retry(msgs[7], REJECTED, at(12.5), at(72.5))
        assert not refused_alone(store.db, msgs[3].id)


def test_a_refusal_stamped_out_of_order_at_a_quotas_end_is_not_alone(workspace):
    """Two connections at a quota's end: r0 and r1 taken, r2-r4 refused; r1's acceptance stamped
    after r2's refusal (its thread got the reply later). r2 has an acceptance on either side, but
    r3's refusal among the three after it: not alone. The next hour r5-r7 are taken."""
    with Store(workspace.config.database) as store:
        outbox, msgs = Outbox(store), stored(store, 8)
        outbox.mark_sent(msgs[0], "250 OK", at(1))
        outbox.mark_retry(msgs[2], REJECTED, at(2), at(62))
        outbox.mark_sent(msgs[1], "250 OK", at(3))
        outbox.mark_retry(msgs[3], REJECTED, at(4), at(64))
        outbox.mark_retry(msgs[4], REJECTED, at(5), at(65))
        for n in (5, 6, 7):
            outbox.mark_sent(msgs[n], "250 OK", at(3600 + n))
        assert not any(refused_alone(store.db, msgs[n].id) for n in (2, 3, 4))


def test_attempts_kept_to_the_second_sort_with_those_kept_to_the_microsecond(workspace):
    """Attempts written before they were kept to the microsecond ('12:00:05+00:00') beside new ones:
    the same second's new attempt comes after the old one; an old one of the same second as the
    refusal is in doubt (it may have come before or after): the message waits once more."""
    with Store(workspace.config.database) as store:
        outbox, msgs = Outbox(store), stored(store, 6)
        with store.transaction():
            for msg, second, ok in ((msgs[0], 4, 1), (msgs[1], 5, 0), (msgs[2], 5, 1)):
                store.db.execute(
                    "INSERT INTO attempts (outbox_id, at, ok, reply) VALUES (?,?,?,?)",
                    (msg.id, iso(at(second)), ok, "250 OK" if ok else REJECTED),
                )
        for n in (3, 4, 5):
            outbox.mark_sent(msgs[n], "250 OK", at(n + 2 + 0.000001))
        assert not refused_alone(store.db, msgs[1].id)  # r2 taken in the same second: in doubt
        store.db.execute("DELETE FROM attempts WHERE outbox_id = ?", (msgs[2].id,))
        assert refused_alone(store.db, msgs[1].id)  # 12:00:05.000001 is after 12:00:05
        stamps = [r[0] for r in store.db.execute("SELECT at FROM attempts ORDER BY at")]
    assert stamps[:3] == [
        "2026-03-20T12:00:04+00:00",
        "2026-03-20T12:00:05+00:00",
        "2026-03-20T12:00:05.000001+00:00",
    ]


def test_a_refusals_neighbours_are_read_along_an_index_made_by_a_migration(workspace):
    """However many attempts are kept (a year of them), a refusal's neighbours are found along the
    index attempts_at, which a database at schema 24 (without it) gets when it is opened."""
    with Store(workspace.config.database) as store:
        postgres = store.dialect == POSTGRESQL
        with store.transaction():
            store.db.execute("DROP INDEX attempts_at")
            store.db.execute("ALTER TABLE outbox DROP COLUMN failed_at")  # (schema 25 -> 26's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN reopened")  # (27 -> 28's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN failed_after")  # (29 -> 30's)
            store.db.execute("ALTER TABLE reader_name_removals DROP COLUMN dropped")  # (28 -> 29's)
            store.db.execute("ALTER TABLE workers DROP COLUMN schema_version")  # (31 -> 32's)
            store.db.execute("DROP TABLE fetch_names")  # (32 -> 33's)
            store.db.execute("DROP INDEX listings_day")  # (33 -> 34's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN queued_on_server")  # (34 -> 35's)
            store.db.execute("DROP TABLE missed_said")  # (35 -> 36's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN for_files")  # (36 -> 37's)
            store.db.execute("ALTER TABLE fetches DROP COLUMN run_at")  # (37 -> 38's)
            store.db.execute("ALTER TABLE fetches DROP COLUMN succeeded_run_at")
            store.db.execute("DROP TABLE listing_fetches")  # (38 -> 39's)
            store.db.execute("DROP INDEX papers_first_seen")
            store.db.execute("DROP INDEX listings_ingested")
            if postgres:
                store.db.execute("DROP TABLE reader_failures")  # (26 -> 27's, PostgreSQL only)
                store.db.execute("UPDATE schema_version SET version = 24")
        if not postgres:
            store.db.execute("PRAGMA user_version = 24")
    with Store(workspace.config.database) as store:
        assert store.schema_version == SCHEMA_VERSION
        if postgres:
            indexes = "SELECT indexdef FROM pg_indexes WHERE indexname = 'attempts_at'"
            assert [r[0] for r in store.db.execute(indexes)][0].endswith(
                "ON public.attempts USING btree (at)"
            )
            return
        for sql in (
            "SELECT ok FROM attempts WHERE at > ? AND outbox_id != ? ORDER BY at LIMIT 3",
            "SELECT ok FROM attempts WHERE at < ? AND outbox_id != ? ORDER BY at DESC LIMIT 3",
            "SELECT 1 FROM attempts WHERE at = ? AND outbox_id != ? LIMIT 1",
        ):
            plan = " ".join(r[3] for r in store.db.execute(f"EXPLAIN QUERY PLAN {sql}", ("x", 1)))
            assert "USING INDEX attempts_at" in plan
