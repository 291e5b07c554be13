"""A bare policy refusal (SendResult.vague) fails its message when it comes again after the server
took a message of ours since the first (digest.deliver.results.takes_our_mail). "Since" is in the
order the server answered, not the order the results were recorded: on SQLite a message the server
accepted is noted in the pass's journal and recorded later, in a batch, while a refusal is recorded
at once (digest.deliver.journal); over several connections, or several workers, results are
recorded slightly out of send order too. Real aiosmtpd servers on loopback, a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from test_refusals_after_data import TurningAway

from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import FAILED, QUEUED, SENT, NewMessage, Outbox
from digest.deliver.pacing import RetryPolicy
from digest.deliver.transports import Refused
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

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


def test_mail_taken_is_read_in_the_order_the_server_answered(workspace):
    """The outbox's own account: r1 refused at 12:00:05, r0's acceptance at 12:00:01 recorded after
    it (not since), r2's at 12:00:09 (since)."""
    with Store(workspace.config.database) as store:
        outbox = Outbox(store)
        with store.transaction():
            msgs = [outbox.add(plain(n), NOW) for n in range(3)]
        at = lambda s: NOW + dt.timedelta(seconds=s)  # noqa: E731
        outbox.mark_retry(msgs[1], REJECTED, at(5), at(65))
        outbox.mark_sent(msgs[0], "250 OK", at(1))
        assert not outbox.taken_since_last_try(outbox.get(msgs[1].id))
        outbox.mark_sent(msgs[2], "250 OK", at(9))
        assert outbox.taken_since_last_try(outbox.get(msgs[1].id))
