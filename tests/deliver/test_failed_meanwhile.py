"""With several workers, a reader's window is read (the papers after their last digest not
failed, and a failed one's carried) in one transaction and their digest stored in another. A
digest of theirs that another worker fails in between (its retries run out, a 550: the
answer stamped before this worker's pass began, its commit after the window was read) was
still waiting when the window was read: the window started after it and carried none of its
papers. The digest stored then must not count as made after that failure (it did not take
its papers): the reader's digest after it has them. Two real connections (the two workers),
interleaved in that order, a real server on loopback, SQLite and PostgreSQL; on PostgreSQL
the failure's transaction open as the digest's is stored: either waits for the other."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.at_once import in_thread
from helpers.bobs_week import BOB, DAY, MINUTE, THU_0730, Deferring, received, up_to_friday

from digest.compose.outgoing import prepare
from digest.compose.render import Renderer
from digest.daemon.queue_due import queue_for_periods
from digest.deliver.lines import Pass
from digest.deliver.outbox import FAILED, QUEUED, Outbox
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.queue import new_message
from digest.deliver.results import skip_suppressed
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import Unrecorded
from digest.deliver.wanted import hold_names
from digest.demo.smtp_server import LocalSmtpServer
from digest.profiles.load import load_profiles
from digest.progress import NO_PROGRESS
from digest.select.digests import next_digest
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends


@pytest.fixture
def server():
    with LocalSmtpServer(Deferring()) as server:
        yield server


def on_friday_two_workers(tmp_path, server, database: str) -> Workspace:
    """PostgreSQL only (SQLite's write lock lets one transaction at a time write): bob's week up
    to Friday 07:29 (up_to_friday)."""
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock lets one transaction at a time write")
    ws = Workspace(tmp_path, server.port, database)
    up_to_friday(ws)
    return ws


def test_a_digest_failed_by_another_worker_as_the_next_one_is_made_has_its_papers_in_the_one_after(
    tmp_path, server, database
):
    ws = Workspace(tmp_path, server.port, database)
    at = up_to_friday(ws)
    assert len(server.handler.refused) == 1 and server.handler.messages == []
    friday = THU_0730 + DAY + MINUTE
    with Store(ws.config.database) as one, Store(ws.config.database) as other:
        (bob,) = load_profiles(ws.config)
        made = next_digest(one, bob, friday, config=ws.config)  # this worker reads bob's window
        assert [m.paper.title for m in made.matches] == ["Robotics Friday"]  # (Thursday's waits)
        (thursday,) = Outbox(other).messages(QUEUED, user="bob")  # the other worker: refused for
        Outbox(other).mark_failed(thursday, "550 5.2.2 mailbox full", friday - MINUTE)  # good
        out = prepare(ws.config, made, Renderer.for_config(ws.config), friday)
        with one.transaction():  # this worker stores Friday's digest
            Outbox(one).add(new_message(out, "2026-03-20"), friday)
        assert [e.status for e in Outbox(one).entries(user="bob")] == [FAILED, QUEUED]
        later = next_digest(one, bob, friday + dt.timedelta(hours=5))  # (Saturday's not in yet)
        assert [m.paper.title for m in later.matches] == ["Robotics Thursday"]
    at(2 * DAY + MINUTE)  # Saturday 07:31: Friday's sent, then Saturday's with Thursday's paper
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]


def test_a_failure_recorded_as_the_next_digest_is_stored_leaves_its_papers_to_the_one_after(
    tmp_path, server, database
):
    """PostgreSQL: the other worker's transaction recording Thursday's failure (the names held,
    shared, as a delivery pass's are) still open as this worker's pass stores Friday's digest
    (the window read before): the digest waits for it, and sees it."""
    ws = on_friday_two_workers(tmp_path, server, database)
    friday = THU_0730 + DAY + MINUTE
    with Store(ws.config.database) as one, Store(ws.config.database) as other:
        (bob,) = load_profiles(ws.config)
        made = next_digest(one, bob, friday, config=ws.config)
        out = prepare(ws.config, made, Renderer.for_config(ws.config), friday)
        (thursday,) = Outbox(other).messages(QUEUED, user="bob")
        with other.transaction():
            hold_names(other, ["bob"], share=True)
            Outbox(other).mark_failed(
                thursday, "550 5.2.2 mailbox full", friday - MINUTE, in_transaction=True
            )
            storing, stored, errors = in_thread(
                lambda: queue_for_periods(ws.config, one, Outbox(one), [(out, "2026-03-20")], friday)
            )
            storing.join(2)  # (it waits for this transaction's end)
        storing.join(60)
        assert errors == [] and len(stored[0]) == 1
        later = next_digest(one, bob, friday + dt.timedelta(hours=5))
        assert [m.paper.title for m in later.matches] == ["Robotics Thursday"]


def test_a_retry_held_for_a_new_address_as_the_next_digest_is_stored_leaves_its_papers_to_the_one_after(
    tmp_path, server, database
):
    """PostgreSQL: bob gives a new address; another worker's delivery comes to Thursday's retry
    (deferred, for the old address) and holds it (skip_suppressed: not tried, failed) as this
    worker's pass, which read bob's window with Thursday's waiting, stores Friday's digest to the
    new address: the hold waits for that digest's transaction, and sees its digest."""
    ws = on_friday_two_workers(tmp_path, server, database)
    ws.profile("bob", BOB.replace("bob@example.org", "robert@example.org"))
    friday = THU_0730 + DAY + MINUTE
    with Store(ws.config.database) as one, Store(ws.config.database) as other:
        (bob,) = load_profiles(ws.config)
        made = next_digest(one, bob, friday, config=ws.config)
        out = prepare(ws.config, made, Renderer.for_config(ws.config), friday)
        outbox = Outbox(other)
        (thursday,) = outbox.messages(QUEUED, user="bob")
        run = Pass(
            ws.config, outbox, RetryPolicy(), RateLimiter(None), Circuit(1, timeouts=2), Suppressions(other),
            Unrecorded(other.path), NO_PROGRESS, friday - MINUTE, lambda: friday - MINUTE,
            lambda: ("w2", friday + MINUTE),
        )  # fmt: skip
        with one.transaction():  # this worker's pass stores Friday's (as queue_for_periods does)
            hold_names(one, ["bob"])
            Outbox(one).add(new_message(out, "2026-03-20"), friday)
            holding, held, errors = in_thread(lambda: skip_suppressed(run, thursday))
            holding.join(2)
        holding.join(60)
        assert errors == [] and held == [True]
        assert [e.status for e in Outbox(one).entries(user="bob")] == [FAILED, QUEUED]
        later = next_digest(one, bob, friday + dt.timedelta(hours=5))
        assert [m.paper.title for m in later.matches] == ["Robotics Thursday"]
