"""`digest send`'s path (send_now: the window read in plan_send, the digest made in a child
process, stored by deliver_due's connection, digest.deliver.lines) with a digest of the reader's
failed by another worker in between, as tests/deliver/test_failed_meanwhile.py does for a
pass's queue_for_periods: the failure's transaction (the reader's name held shared, as a
delivery's) open on another real connection as the send starts, committed once the send has
read bob's window (Thursday's still waiting: nothing carried) and waits for it (SQLite: its
write lock, at the window's statistics; PostgreSQL: the claim of Thursday's row). The digest
stored then is kept after the failure: Thursday's papers come in the digest after it, once."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.at_once import in_thread
from helpers.bobs_week import DAY, THU_0730, received, server, up_to_friday  # noqa: F401  (the fixture)

from digest.daemon.sendnow import NEW, send_now
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.transports import SmtpSender
from digest.deliver.wanted import hold_names
from digest.profiles.load import load_profiles
from digest.select.digests import next_digest
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends

MINUTE = dt.timedelta(minutes=1)


def test_a_digest_failed_by_another_worker_as_send_makes_the_next_has_its_papers_in_the_one_after(
    tmp_path,
    server,  # noqa: F811  (test_failed_behind's fixture)
    database,
):
    ws = Workspace(tmp_path, server.port, database)
    at = up_to_friday(ws)  # Thursday's digest deferred twice (451), Friday's listing taken in
    friday = THU_0730 + DAY + MINUTE
    with Store(ws.config.database) as one, Store(ws.config.database) as other:
        profiles = load_profiles(ws.config)
        (thursday,) = Outbox(other).messages(QUEUED, user="bob")
        with other.transaction():  # the other worker records Thursday's 550, as a delivery does
            hold_names(other, ["bob"], share=True)
            Outbox(other).mark_failed(
                thursday, "550 5.2.2 mailbox full", friday - MINUTE, in_transaction=True
            )
            sender = SmtpSender(ws.config.smtp)
            sending, sent, errors = in_thread(lambda: send_now(ws.config, one, profiles, sender, friday))
            sending.join(2)
            assert sending.is_alive()  # (it waits for this transaction's end)
        sending.join(60)
        assert errors == []
        (planned,) = sent[0].planned  # the window it read: after Thursday's paper (id 1, waiting),
        assert planned.action == NEW and planned.digest.window == (1, ())  # nothing carried
        assert [m.paper.title for m in planned.digest.matches] == ["Robotics Friday"]
        assert [e.status for e in Outbox(one).entries(user="bob")] == [FAILED, SENT]
        later = next_digest(one, profiles[0], friday + dt.timedelta(hours=5))  # (Saturday's not in)
        assert [m.paper.title for m in later.matches] == ["Robotics Thursday"]
    at(2 * DAY + MINUTE)  # Saturday 07:31: Saturday's with Thursday's paper; nothing twice
    at(3 * DAY + MINUTE)
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]
