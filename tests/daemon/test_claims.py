"""Claims between workers on one database: readers and messages taken by one worker at a time,
given back when its lease runs out; singleton duties under an advisory lock; the workers table."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys

import pytest

from digest.daemon.claims import claim_readers, heartbeat, release_readers, singleton, workers
from digest.db import wall_clock
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import Outbox
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store
from digest.worker_ids import worker_id

from conftest import NOW, Workspace

pytestmark = pytest.mark.backends

LEASE = dt.timedelta(seconds=60)


def queue(store: Store, n: int) -> list[int]:
    outbox = Outbox(store)
    with store.transaction():
        return [
            outbox.enqueue(
                user=f"r{i}", recipient=f"r{i}@example.org", message_id=f"<m{i}@x>", subject="s",
                mime=b"bytes", paper_ids=[], now=NOW,
            )
            for i in range(n)
        ]  # fmt: skip


def test_two_workers_never_hold_the_same_reader_and_a_dead_ones_come_back_after_its_lease(db_at):
    with Store(db_at) as a, Store(db_at) as b:
        users = [f"r{i}" for i in range(10)]
        first = claim_readers(a, users[:6], "host:1", NOW, LEASE)
        second = claim_readers(b, users, "host:2", NOW, LEASE)
        assert first == users[:6]
        if a.dialect == "postgresql":
            assert second == users[6:]  # the others' are passed over
            assert claim_readers(b, users, "host:2", NOW + LEASE + dt.timedelta(seconds=1), LEASE) == users
        else:
            assert second == users  # SQLite: one worker at a time (the file lock); a claim left is stale
        release_readers(b, users, "host:2")
        assert claim_readers(a, users, "host:1", NOW, LEASE) == users


def test_a_message_is_claimed_by_one_worker_and_returns_when_its_lease_ends(db_at):
    with Store(db_at) as a, Store(db_at) as b:
        ids = queue(a, 8)
        mine = Outbox(a).claim(ids[:5], "host:1", NOW, LEASE)
        theirs = Outbox(b).claim(ids, "host:2", NOW, LEASE)
        assert mine == ids[:5]
        if a.dialect == "postgresql":
            assert theirs == ids[5:]
            later = NOW + LEASE + dt.timedelta(seconds=1)  # host:1 was killed: its claims return
            assert Outbox(b).claim(ids, "host:2", later, LEASE) == ids
            assert Outbox(b).claimed() == {"host:2": 8}
        Outbox(b).release("host:2")
        assert Outbox(b).claimed().get("host:2") is None


def test_a_singleton_duty_is_done_by_one_worker_and_skipped_by_the_others(db_at):
    with Store(db_at) as a, Store(db_at) as b:
        with singleton(a, "ingest") as first, singleton(b, "ingest") as second:
            assert first
            assert second is (a.dialect != "postgresql")  # PostgreSQL: the advisory lock is taken
            with singleton(b, "fetch") as other:
                assert other  # another duty is free
        with singleton(b, "ingest") as after:
            assert after  # released with the block


def test_status_lists_the_workers_seen_and_what_each_holds(db_at):
    """Each worker in the table, with what it holds; one not seen within ``within`` and holding
    no lease is not there (killed, hung), one holding a lease it renews is (a long pass); one not
    seen for a day is no longer listed."""
    with Store(db_at) as store:
        ids = queue(store, 3)
        heartbeat(store, "a:1", NOW, NOW, "in a pass")
        heartbeat(store, "b:2", NOW - dt.timedelta(hours=2), NOW - dt.timedelta(hours=1), "")
        heartbeat(store, "c:3", NOW - dt.timedelta(days=2), NOW - dt.timedelta(hours=25), "")
        heartbeat(store, "d:4", NOW - dt.timedelta(hours=2), NOW - dt.timedelta(hours=1), "in a pass")
        Outbox(store).claim(ids[:2], "a:1", NOW, LEASE)
        claim_readers(store, ["ada"], "a:1", NOW, LEASE)
        claim_readers(store, ["bob"], "d:4", NOW, LEASE)  # renewed just now, in a pass past its heartbeat
        seen = workers(store, NOW, dt.timedelta(minutes=10))
    assert [(w.id, w.holds, w.messages, w.readers, w.there) for w in seen] == [
        ("a:1", "in a pass", 2, 1, True),
        ("b:2", "", 0, 0, False),
        ("d:4", "in a pass", 0, 1, True),
    ]


class TakenOverMeanwhile(Mailbox):
    """Accepts every message; while it takes the first, the worker sending it stalls past its
    lease (SIGSTOP, a frozen machine) and another worker, host:2, takes over what it still holds."""

    def __init__(self, db_at) -> None:
        super().__init__()
        self.db_at = db_at

    async def handle_DATA(self, server, session, envelope):
        if not self.messages:
            with Store(self.db_at) as other:
                outbox = Outbox(other)
                held = outbox.due_ids(NOW)
                later = wall_clock() + dt.timedelta(seconds=121)  # the first worker's lease is over
                outbox.claim(held, "host:2", later, LEASE)
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_stalled_past_its_lease_sends_nothing_another_worker_took_over(tmp_path, database, db_at):
    handler = TakenOverMeanwhile(db_at)
    with LocalSmtpServer(handler) as server, Store(db_at) as store:
        config = Workspace(tmp_path, server.port, database=database).config  # lease_seconds: 120
        queue(store, 4)
        outcomes = deliver_due(config, store, None, NOW)
        queued = Outbox(store).claimed()
    sent = [m.rcpt_tos[0] for m in handler.messages]
    if store.dialect == "postgresql":
        assert sent == ["r0@example.org"]  # the three others are host:2's to send, not a second time
        assert [o.user for o in outcomes] == ["r0"]
        assert queued == {"host:2": 3}
    else:
        assert len(sent) == 4  # SQLite: one worker at a time (the file lock); a claim left is stale


def test_two_workers_on_one_host_name_with_one_pid_are_two_workers():
    """Containers on one host's network share its name, and each has a pid namespace of its own
    (both workers are pid 1): still two workers, or each would send what the other claimed."""
    who = [sys.executable, "-c", "from digest.worker_ids import worker_id; print(worker_id(), worker_id())"]
    in_namespace = ["unshare", "--pid", "--fork", "--mount-proc", *who]
    first = subprocess.run(in_namespace, capture_output=True, text=True)
    if first.returncode:
        pytest.skip(f"cannot make a pid namespace here (not root?): {first.stderr.strip()}")
    second = subprocess.run(in_namespace, capture_output=True, text=True)
    (a, a_again), (b, _) = first.stdout.split(), second.stdout.split()
    assert a.split(":")[:2] == b.split(":")[:2] == [socket.gethostname(), "1"]
    assert a != b
    assert a == a_again  # one process, one worker
    assert worker_id().split(":")[:2] == [socket.gethostname(), str(os.getpid())]
