"""On PostgreSQL the two small transactions a delivery pass makes before it sends (claiming a
chunk of due messages, Outbox.claim; recording a message to a suppressed address as not sent,
results.skip_suppressed) may meet another worker's transaction holding some of the same rows, and
PostgreSQL ends one of them to undo the deadlock. Each rolled back whole and can run again as it
was, so it is tried again in place (db.retrying_conflicts, as an ingest's and the delivery's
commit are) instead of ending the pass. Real connections force the deadlock; the others wait 60 s
before they look for a cycle, so the delivery's is the transaction PostgreSQL ends. The delivery's
last wait starts when the cycle is whole (a third transaction holds it before), so it sees the cycle
however late the test's own steps come (PostgreSQL looks once, a second after a wait starts)."""

from __future__ import annotations

import logging
import threading
from functools import partial

import pytest
from helpers.at_once import LEASE, in_thread, queued, waiting

from digest.deliver.claims import lease_holder
from digest.deliver.lines import Pass
from digest.deliver.outbox import FAILED, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.results import skip_suppressed
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import Unrecorded
from digest.progress import NO_PROGRESS
from digest.store import Store
from digest.worker_ids import worker_id

from conftest import NOW

pytestmark = pytest.mark.backends

TOUCH = "UPDATE outbox SET last_error = last_error WHERE id = ?"  # the row held to the transaction's end


def retried(caplog: pytest.LogCaptureFixture, what: str) -> bool:
    return any(
        what in r.getMessage() and "deadlock detected" in r.getMessage() and "tried again" in r.getMessage()
        for r in caplog.records
    )


@pytest.fixture
def stores(database, workspace):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    opened = [Store(workspace.config.database) for _ in range(4)]
    yield opened
    for store in opened:
        store.close()


def test_a_claim_ended_by_a_deadlock_is_tried_again_and_takes_the_messages(stores, caplog):
    store, other, watcher, third = stores
    first, middle, last = queued(store, ["ada", "cy", "bob"])
    outbox = Outbox(store)
    caplog.set_level(logging.INFO)
    threads: list[threading.Thread] = []
    try:
        with other.transaction() as db:  # another worker's transaction: bob's row, then ada's
            db.execute("SET LOCAL deadlock_timeout = '60s'")
            db.execute(TOUCH, (last,))
            with third.transaction() as held:  # a third holds cy's row: the claim takes ada's, waits there
                held.execute(TOUCH, (middle,))
                thread, done, errors = in_thread(
                    partial(outbox.claim, [first, middle, last], worker_id(), NOW, LEASE)
                )
                threads.append(thread)
                waiting(watcher, 1)
                wanting, _, other_errors = in_thread(partial(db.execute, TOUCH, (first,)))
                threads.append(wanting)
                waiting(watcher, 2)  # the other transaction waits for the claim (ada's row)
            # the third is done: the claim takes cy's row, then waits for bob's, held by the other
            # transaction, which waits for it: the cycle is whole when the claim starts this wait,
            # so the claim is the one that sees it (a second later)
            wanting.join()
    finally:  # none left running, whatever failed
        for running in threads:
            running.join()
    assert errors == other_errors == []
    assert done == [[first, middle, last]]  # all taken, once the other transaction was done
    assert retried(caplog, "claiming 3 outbox messages")
    assert outbox.claimed() == {worker_id(): 3}


def test_a_message_to_a_suppressed_address_recorded_in_a_deadlock_is_recorded_again(
    stores, workspace, caplog
):
    store, other, watcher, third = stores
    (only,) = queued(store, ["ada"])
    suppressions = Suppressions(store)
    with store.transaction():
        suppressions.add("ada", "ada@example.org", "550 5.1.1 user unknown", NOW)
    outbox = Outbox(store)
    msg = outbox.get(only)
    run = Pass(
        workspace.config, outbox, RetryPolicy(), RateLimiter(None), Circuit(1, timeouts=2), suppressions,
        Unrecorded(store.path), NO_PROGRESS, NOW, lambda: NOW, lease_holder(worker_id(), LEASE),
    )  # fmt: skip
    caplog.set_level(logging.INFO)
    third_pid = third.db.execute("SELECT pg_backend_pid()").fetchone()[0]

    def third_update() -> None:  # another transaction wanting ada's row, first in line for it
        with third.transaction() as db:
            db.execute("SET LOCAL deadlock_timeout = '60s'")
            db.execute(TOUCH, (only,))

    threads: list[threading.Thread] = []
    try:
        with other.transaction() as db:  # holds ada's row, then wants the table the recording writes in
            db.execute("SET LOCAL deadlock_timeout = '60s'")
            db.execute(TOUCH, (only,))
            queueing, _, third_errors = in_thread(third_update)
            threads.append(queueing)
            waiting(watcher, 1)  # the third waits for ada's row, first in line
            thread, done, errors = in_thread(partial(skip_suppressed, run, msg))
            threads.append(thread)
            waiting(watcher, 2)  # the recording (the table taken for writing) waits in line after it
            locking, _, other_errors = in_thread(partial(db.execute, "LOCK TABLE outbox IN SHARE MODE"))
            threads.append(locking)
            waiting(watcher, 3)  # the other transaction waits for the recording (and the third)
            # the third is ended: the recording, next in line, waits for the other transaction,
            # which waits for it: the cycle is whole when the recording starts this wait, so the
            # recording is the one that sees it (a second later)
            watcher.db.execute("SELECT pg_cancel_backend(?)", (third_pid,))
            locking.join()
    finally:  # none left running, whatever failed
        for running in threads:
            running.join()
    assert [type(e).__name__ for e in third_errors] == ["QueryCanceled"]
    assert other_errors == []
    assert done == [True]
    assert retried(caplog, f"recording {msg.message_id} as not sent")
    said = [r.getMessage() for r in caplog.records if "not sent: not tried" in r.getMessage()]
    assert len(said) == 1  # once, though written twice
    (entry,) = outbox.entries()
    assert entry.status == FAILED and entry.attempts == 0
    assert entry.last_error.startswith("not tried: address suppressed")
    assert [o.message_id for o in run.outcomes] == [msg.message_id]
