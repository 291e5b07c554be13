"""Two processes of one config folder recording one note at once (PostgreSQL, READ COMMITTED): a
`digest send` and a worker's next pass each read ada's accepted digest still queued, and each
marked it sent, the second's UPDATE finding it sent already once the first committed; both said
"recorded 1 digest the server had accepted before delivery stopped" of the one digest. The one
whose UPDATE recorded it says so; the other says it was recorded already."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import psycopg

from digest.deliver.accepted import record_accepted
from digest.deliver.outbox import FAILED, SENT, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.store import Store

from conftest import NOW, postgres_database

AT = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)


def _waiting(name: str) -> int:
    with psycopg.connect(autocommit=True) as admin:
        (n,) = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (name,)
        ).fetchone()
    return n


def test_two_processes_recording_one_digest_at_once_say_it_recorded_once(caplog):
    with postgres_database() as url:
        with Store(url) as store, store.transaction():
            ada = Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<ada@example.org>",
                subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=NOW,
            )  # fmt: skip
        first, second = Unrecorded(url), Unrecorded(url)  # a worker's memory, and `digest send`'s
        first.lasting = True
        assert first.add([Accepted(ada, "ada", "ada@example.org", "250 OK", AT)])
        assert second.entries()  # the note beside the config, read by the other process
        caplog.set_level(logging.INFO, logger="digest.deliver.unrecorded")
        name = str(url).rsplit("/", 1)[1]
        with psycopg.connect(dbname=name) as lock:  # ada's row held until both have read it queued
            lock.execute("UPDATE outbox SET attempts = attempts WHERE id = %s", (ada,))

            def record(unrecorded: Unrecorded) -> None:
                with Store(url) as own:
                    record_accepted(Outbox(own), unrecorded, sending=False)

            threads = [threading.Thread(target=record, args=(u,)) for u in (first, second)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 20
            while _waiting(name) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _waiting(name) == 2
            lock.rollback()
        for t in threads:
            t.join(20)
        with Store(url) as store:
            assert Outbox(store).get(ada).status == SENT
    said = [r.getMessage() for r in caplog.records if r.name == "digest.deliver.unrecorded"]
    assert said.count("recorded 1 digest the server had accepted before delivery stopped") == 1, said
    assert [line for line in said if "was recorded already" in line] == [
        "1 digest the server had accepted before delivery stopped (ada <ada@example.org>) was "
        "recorded already: by another process that reads the same note (`digest send`, another worker), "
        "or by the halted pass itself at its end"
    ], said


def test_a_digest_another_process_marks_failed_while_it_is_recorded_is_left_failed_and_said(caplog):
    """Read queued, then marked failed for good by another process (a worker whose claim had
    lapsed tried it again) that commits before this one's UPDATE: it was recorded as sent over
    the failure (its failed_at kept, the failure's reply gone) and said "recorded", where one
    read failed is left failed with the warning; now it is sorted by what it is once the UPDATE
    has waited: failed, left so, and said so."""
    with postgres_database() as url:
        with Store(url) as store, store.transaction():
            ada = Outbox(store).enqueue(
                user="ada", recipient="ada@example.org", message_id="<ada@example.org>",
                subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=NOW,
            )  # fmt: skip
        unrecorded = Unrecorded(url)
        unrecorded.lasting = True
        assert unrecorded.add([Accepted(ada, "ada", "ada@example.org", "250 OK", AT)])
        caplog.set_level(logging.INFO, logger="digest.deliver")
        name = str(url).rsplit("/", 1)[1]
        with psycopg.connect(dbname=name) as other:  # the other worker's failure, not committed yet
            other.execute(
                "UPDATE outbox SET status = 'failed', last_error = '550 5.1.1 no such user', "
                "failed_at = '2026-03-14T07:40:00+00:00' WHERE id = %s",
                (ada,),
            )

            def record() -> None:
                with Store(url) as own:
                    record_accepted(Outbox(own), unrecorded, sending=False)

            thread = threading.Thread(target=record)
            thread.start()
            deadline = time.monotonic() + 20
            while _waiting(name) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _waiting(name) == 1  # read it queued; its UPDATE waits for the other's commit
            other.commit()
        thread.join(20)
        with Store(url) as store:
            msg = Outbox(store).get(ada)
            assert (msg.status, msg.last_error) == (FAILED, "550 5.1.1 no such user")
    said = [r.getMessage() for r in caplog.records if r.name.startswith("digest.deliver")]
    assert said == [
        "the server accepted the digest to ada <ada@example.org> at 2026-03-14 07:30:00 UTC (250 OK), "
        "but the outbox has it failed since (550 5.1.1 no such user): left failed, so `digest status` "
        "lists it failed though it was delivered"
    ], said
