"""A server that takes the message and then never answers DATA: the pass stops after a couple
of timeouts instead of costing readers x timeout, and each retry time counts from its failure."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

from helpers.delivery_readers import queue_all, workspace

from digest.deliver.delivery import RateLimiter, RetryPolicy, deliver_due
from digest.deliver.outbox import QUEUED, Outbox
from digest.demo.smtp_server import LocalSmtpServer, Received
from digest.store import Store

from conftest import NOW


class HangsAfterData:
    """Reads the whole message, then says nothing until ``release`` is set (then accepts)."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.data_seen = 0
        self.hang = True

    async def handle_DATA(self, server, session, envelope):
        self.data_seen += 1
        while self.hang:
            await asyncio.sleep(0.05)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


def test_a_server_that_hangs_after_data_stops_the_pass_after_a_few_timeouts(tmp_path):
    handler = HangsAfterData()
    with LocalSmtpServer(handler) as server:
        ws = workspace(tmp_path, server.port, readers=10, extra="  retry_first_seconds: 60\n")
        config = ws.config  # timeout 1 s, 3 connections
        with Store(config.database) as store:
            queue_all(ws, store)
            policy = RetryPolicy(first_seconds=60, jitter=0)
            outcomes = deliver_due(config, store, None, NOW, policy=policy, limiter=RateLimiter(None))
            assert len(outcomes) == 10 and not any(o.ok for o in outcomes)
            # not 10 timeouts: the pass stops after 3 in a row (one per connection); by then each
            # of the 3 connections may have handed over one more message (3 + 3 at most)
            assert handler.data_seen <= 6
            assert sum(o.reply.startswith("not tried: ") for o in outcomes) >= 4
            timed_out = [o for o in outcomes if not o.reply.startswith("not tried")]
            assert all("timed out" in o.reply for o in timed_out)
            # the retry counts from the failure (about 1 s into the pass), not from the pass's start
            assert all(o.retry_at >= NOW + dt.timedelta(seconds=60.9) for o in timed_out)
            assert Outbox(store).counts()[QUEUED] == 10
            handler.hang = False
            later = deliver_due(config, store, None, NOW + dt.timedelta(minutes=2), limiter=RateLimiter(None))
            assert [o.ok for o in later] == [True] * 10


def test_retry_times_follow_the_clock_through_a_long_pass(tmp_path):
    handler = HangsAfterData()
    with LocalSmtpServer(handler) as server:
        ws = workspace(tmp_path, server.port, readers=2)
        config = ws.config
        with Store(config.database) as store:
            queue_all(ws, store)
            ticks = iter([NOW + dt.timedelta(minutes=m) for m in range(5, 100)])
            lock = threading.Lock()

            def clock() -> dt.datetime:
                with lock:
                    return next(ticks)

            policy = RetryPolicy(first_seconds=60, jitter=0)
            outcomes = deliver_due(
                config, store, None, NOW, policy=policy, limiter=RateLimiter(None), connections=1, clock=clock
            )
            retry = sorted(o.retry_at for o in outcomes)
            # the pass "took" 5 minutes before the first failure: its retry is a minute after that
            assert retry[0] >= NOW + dt.timedelta(minutes=6)
            handler.hang = False
