"""On PostgreSQL the two small transactions a delivery pass makes before it sends (claiming a
chunk of due messages, Outbox.claim; recording a message to a suppressed address as not sent,
results.skip_suppressed) may meet another worker's transaction holding some of the same rows, and
PostgreSQL ends one of them to undo the deadlock. Each rolled back whole and can run again as it
was, so it is tried again in place (db.retrying_conflicts, as an ingest's and the delivery's
commit are) instead of ending the pass. Two real connections force the deadlock; the other one
waits 60 s before it looks for a cycle, so the delivery's is the transaction PostgreSQL ends."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import pytest
from test_commit_conflicts import MIME, waiting

from digest.db import worker_id
from digest.deliver.lines import Pass, lease_holder
from digest.deliver.outbox import FAILED, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.results import skip_suppressed
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import Unrecorded
from digest.progress import NO_PROGRESS
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

LEASE = dt.timedelta(minutes=5)


def queued(store: Store, users: list[str]) -> list[int]:
    outbox = Outbox(store)
    with store.transaction():
        for user in users:
            outbox.enqueue(
                user=user, recipient=f"{user}@example.org", message_id=f"<{user}@example.org>",
                subject="Digest", mime=MIME.replace(b"{to}", f"{user}@example.org".encode()),
                paper_ids=[], now=NOW,
            )  # fmt: skip
    return outbox.due_ids(NOW)


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object], list[BaseException]]:
    done: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as e:  # noqa: BLE001 - reported to the test
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, errors


def retried(caplog: pytest.LogCaptureFixture, what: str) -> bool:
    return any(
        what in r.getMessage() and "deadlock detected" in r.getMessage() and "tried again" in r.getMessage()
        for r in caplog.records
    )


@pytest.fixture
def stores(database, workspace):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock leaves no deadlock")
    opened = [Store(workspace.config.database) for _ in range(3)]
    yield opened
    for store in opened:
        store.close()


def test_a_claim_ended_by_a_deadlock_is_tried_again_and_takes_the_messages(stores, caplog):
    store, other, watcher = stores
    first, second = queued(store, ["ada", "bob"])
    outbox = Outbox(store)
    caplog.set_level(logging.INFO)
    with other.transaction() as db:  # another worker's transaction: bob's row, then ada's
        db.execute("SET LOCAL deadlock_timeout = '60s'")
        db.execute("UPDATE outbox SET last_error = last_error WHERE id = ?", (second,))
        thread, done, errors = in_thread(lambda: outbox.claim([first, second], worker_id(), NOW, LEASE))
        waiting(watcher, 1)  # the claim took ada's row and waits for bob's
        db.execute("UPDATE outbox SET last_error = last_error WHERE id = ?", (first,))
    thread.join()
    assert errors == []
    assert done == [[first, second]]  # both taken, once the other transaction was done
    assert retried(caplog, "claiming 2 outbox messages")
    assert outbox.claimed() == {worker_id(): 2}


def test_a_message_to_a_suppressed_address_recorded_in_a_deadlock_is_recorded_again(
    stores, workspace, caplog
):
    store, other, watcher = stores
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
    with other.transaction() as db:  # holds ada's row, then wants the table the recording writes in
        db.execute("SET LOCAL deadlock_timeout = '60s'")
        db.execute("UPDATE outbox SET last_error = last_error WHERE id = ?", (only,))
        thread, done, errors = in_thread(lambda: skip_suppressed(run, msg))
        waiting(watcher, 1)  # the recording waits for ada's row
        db.execute("LOCK TABLE outbox IN SHARE MODE")
    thread.join()
    assert errors == []
    assert done == [True]
    assert retried(caplog, f"recording {msg.message_id} as not sent")
    said = [r.getMessage() for r in caplog.records if "not sent: not tried" in r.getMessage()]
    assert len(said) == 1  # once, though written twice
    (entry,) = outbox.entries()
    assert entry.status == FAILED and entry.attempts == 0
    assert entry.last_error.startswith("not tried: address suppressed")
    assert [o.message_id for o in run.outcomes] == [msg.message_id]
