"""Delivery against a flaky mail server: real aiosmtpd (and raw sockets) on loopback, time injected."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import threading
from collections import Counter

import pytest
from helpers.delivery_readers import queue_all, workspace
from helpers.silent_server import Silent

from digest.checkpoints import BULK_CHECKPOINT_PAGES
from digest.config import load_config
from digest.db import SQLITE
from digest.deliver.delivery import RateLimiter, RetryPolicy, deliver_due
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.transports import SendResult
from digest.demo.smtp_server import LocalSmtpServer, free_port
from digest.errors import ConfigError
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends  # the tests that take a workspace run on SQLite and PostgreSQL


class Faulty:
    """aiosmtpd handler: 451 to the first attempts of some recipients, 550 to one, a hang-up
    instead of an answer to DATA, and every few messages a 421 "too many" followed by a hang-up."""

    def __init__(self, soft: dict[str, int], hard: str, drop_data: set[str], every: int = 4) -> None:
        self.soft, self.hard, self.drop_data, self.every = dict(soft), hard, set(drop_data), every
        self.accepted: list[tuple[str, bytes, object]] = []
        self.mails = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, options):
        with self.lock:
            self.mails += 1
            closing = self.mails % self.every == 0
        if closing:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 too many messages in this session, closing connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == self.hard:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        with self.lock:
            if self.soft.get(address, 0) > 0:
                self.soft[address] -= 1
                return "451 4.3.0 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        (rcpt,) = envelope.rcpt_tos
        if rcpt in self.drop_data:
            self.drop_data.discard(rcpt)
            server.transport.close()  # hang up with the message unanswered (and not kept)
            return "250 never seen"
        with self.lock:
            self.accepted.append((rcpt, bytes(envelope.content), session.peer))
        return "250 2.0.0 queued"


def drain(config, store, start=NOW, step=dt.timedelta(minutes=30), passes=60):
    """Run deliver_due at later and later `now` until nothing is queued; no real sleeping."""
    now, outcomes = start, []
    rng = random.Random(1)
    for _ in range(passes):
        outcomes += deliver_due(
            config, store, None, now, limiter=RateLimiter(config.delivery.max_per_second), rng=rng
        )
        if not Outbox(store).counts()[QUEUED]:
            return outcomes, now
        now += step
    raise AssertionError("the outbox never drained")


def test_after_the_retries_every_reader_has_exactly_one_digest_and_the_refused_one_failed(tmp_path):
    handler = Faulty(
        soft={"r01@example.org": 2, "r05@example.org": 1, "r09@example.org": 3},
        hard="r07@example.org",
        drop_data={"r03@example.org", "r10@example.org"},
    )
    with LocalSmtpServer(handler) as server:
        # a limit set, as a user may: each 421 "too many" halves the pace, which with none set is
        # half the pace achieved (0.5 a second at the least): 7.6 s of waits in the passes
        ws = workspace(tmp_path, server.port, readers=12, extra="  max_per_second: 1000\n")
        config = ws.config
        with Store(config.database) as store:
            queue_all(ws, store)
            outcomes, _ = drain(config, store)
            outbox = Outbox(store)
            counts = Counter(rcpt for rcpt, _, _ in handler.accepted)
            deliverable = {f"r{i:02d}@example.org" for i in range(12)} - {"r07@example.org"}
            assert counts == Counter({r: 1 for r in deliverable})  # nothing lost, nothing doubled
            (failed,) = outbox.messages(status=FAILED)
            assert failed.recipient == "r07@example.org"  # refused once: not retried after the 550
            assert failed.last_error == "550 5.1.1 <r07@example.org>: mailbox unavailable"
            replies = [
                r for (r,) in store.db.execute("SELECT reply FROM attempts WHERE outbox_id = ?", (failed.id,))
            ]
            assert replies[-1].startswith("550") and not any(r.startswith("5") for r in replies[:-1])
            assert [p.recipient for p in outbox.problems()] == ["r07@example.org"]
            assert outbox.counts() == {QUEUED: 0, SENT: 11, FAILED: 1}
            by_user = {m.user: m for m in outbox.messages()}
            assert by_user["r09"].attempts >= 4  # three 451s, then accepted
            for rcpt, data, _ in handler.accepted:  # each copy is the stored message, byte for byte
                user = rcpt.partition("@")[0]
                assert by_user[user].mime.replace(b"\r\n", b"\n").strip() in data.replace(b"\r\n", b"\n")
                assert store.sent_paper_ids(user) == set(by_user[user].paper_ids)
            assert store.sent_paper_ids("r07") == set()
            replies = {o.reply.split(" ")[0] for o in outcomes if not o.ok}
            assert {"421", "451", "550"} <= replies
            assert any("hung up" in o.reply or "closed" in o.reply for o in outcomes if not o.ok)


def test_a_server_that_never_answers_times_out_and_the_digests_wait_for_a_later_run(tmp_path):
    silent = Silent()
    try:
        ws = workspace(tmp_path, silent.port, readers=8, extra="  retry_first_seconds: 300\n")
        config = ws.config
        with Store(config.database) as store:
            queue_all(ws, store)
            outcomes = deliver_due(config, store, None, NOW, limiter=RateLimiter(None))
            assert len(outcomes) == 8 and not any(o.ok for o in outcomes)
            assert all(o.unreachable and o.retry_at for o in outcomes)
            assert any("timed out" in o.reply for o in outcomes)
            # once each of the 3 connections failed, the rest were not tried (so not 8 timeouts)
            assert len(silent.taken) <= 5
            assert sum(o.reply.startswith("not tried: ") for o in outcomes) >= 3
            with LocalSmtpServer() as good:
                fixed = dataclasses.replace(config, smtp=dataclasses.replace(config.smtp, port=good.port))
                assert deliver_due(fixed, store, None, NOW + dt.timedelta(seconds=100)) == []  # not yet
                later = deliver_due(fixed, store, None, NOW + dt.timedelta(seconds=301))
                assert [o.ok for o in later] == [True] * 8
                assert sorted(m.rcpt_tos[0] for m in good.messages) == [
                    f"r{i:02d}@example.org" for i in range(8)
                ]
    finally:
        silent.close()


def test_a_server_that_is_down_at_first_gets_every_digest_once_when_it_comes_back(tmp_path):
    port = free_port()
    ws = workspace(tmp_path, port, readers=6)
    config = ws.config
    with Store(config.database) as store:
        queue_all(ws, store)
        first = deliver_due(config, store, None, NOW, limiter=RateLimiter(None))
        assert len(first) == 6 and all(o.unreachable and not o.ok for o in first)
        assert all(f"cannot connect to the SMTP server 127.0.0.1:{port}" in o.reply for o in first)
        assert Outbox(store).counts()[QUEUED] == 6
        with LocalSmtpServer(port=port) as server:
            outcomes, _ = drain(config, store, start=NOW + dt.timedelta(minutes=5))
            assert sum(o.ok for o in outcomes) == 6
            assert Counter(m.rcpt_tos[0] for m in server.messages) == Counter(
                {f"r{i:02d}@example.org": 1 for i in range(6)}
            )


def test_connections_are_reused_and_run_side_by_side(tmp_path):
    handler = Faulty(soft={}, hard="", drop_data=set(), every=10**9)
    with LocalSmtpServer(handler) as server:
        ws = workspace(tmp_path, server.port, readers=30)
        with Store(ws.config.database) as store:
            queue_all(ws, store)
            outcomes = deliver_due(ws.config, store, None, NOW)
    assert len(outcomes) == 30 and all(o.ok for o in outcomes)
    sessions = Counter(peer for _, _, peer in handler.accepted)
    assert 1 < len(sessions) <= 3 and sum(sessions.values()) == 30


def test_a_message_that_keeps_failing_is_given_up_after_retry_for_hours(tmp_path):
    handler = Faulty(soft={"r00@example.org": 10**6}, hard="", drop_data=set(), every=10**9)
    with LocalSmtpServer(handler) as server:
        ws = workspace(tmp_path, server.port, readers=1, extra="  retry_for_hours: 2\n")
        with Store(ws.config.database) as store:
            queue_all(ws, store)
            drain(ws.config, store)
            (msg,) = Outbox(store).messages()
    assert msg.status == FAILED and msg.attempts > 3
    assert msg.last_error.startswith("gave up after") and "451 4.3.0 greylisted" in msg.last_error


def test_backoff_doubles_is_capped_has_jitter_and_stops_after_the_limit():
    policy = RetryPolicy(first_seconds=60, for_hours=24, max_seconds=600, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]
    jittery = dataclasses.replace(policy, jitter=0.2)
    rng = random.Random(3)
    delays = [jittery.delay(1, rng) for _ in range(200)]
    assert all(48 <= d <= 60 for d in delays) and len(set(delays)) > 100
    assert policy.next_attempt(1, NOW, NOW) == NOW + dt.timedelta(seconds=60)
    assert policy.next_attempt(9, NOW, NOW + dt.timedelta(hours=23, minutes=55)) is None


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_the_rate_limit_paces_sends_and_a_throttling_reply_halves_it():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    for _ in range(11):
        limiter.wait()
    assert clock.t - 1000.0 == pytest.approx(1.0)  # 11 sends at 10 per second: one second
    limiter.throttled()
    assert limiter.rate == 5
    start = clock.t
    for _ in range(5):
        limiter.wait()
    assert clock.t - start >= 0.8  # now 5 per second
    for _ in range(100):
        limiter.succeeded()
    assert limiter.rate == 10  # won back, never above the limit


def test_with_no_limit_a_throttling_reply_sets_half_the_pace_achieved():
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    for _ in range(40):
        limiter.wait()
        limiter.succeeded()
        clock.t += 0.05  # 20 per second
    limiter.throttled()
    assert limiter.rate == pytest.approx(10)


def test_delivery_settings_are_validated_together(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "database: d.db\ninbox: i\nprofiles: p\nsmtp:\n  from: d@example.org\n"
        "delivery:\n  transport: pigeon\n  connections: 0\n  max_per_second: -1\n  max_per_minute: 60\n"
        "  retry_first_seconds: 600\n  retry_max_seconds: 60\n  retry_for_hours: soon\n  conections: 2\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(path)
    text = str(e.value)
    for expected in (
        "delivery.transport: 'pigeon' is not one of smtp, file",
        "delivery.connections: must be a whole number from 1 to 100, got 0",
        "delivery.max_per_second: must be a positive number up to 10000, got -1",
        "delivery.retry_max_seconds: 60 is shorter than retry_first_seconds (600)",
        "delivery.retry_for_hours: must be a positive number up to 720, got 'soon'",
        "delivery.conections: unknown key (did you mean delivery.connections?)",
    ):
        assert expected in text
    path.write_text(
        "database: d.db\ninbox: i\nprofiles: p\nsmtp:\n  from: d@example.org\n"
        "delivery:\n  transport: file\n  max_per_minute: 120\n"
    )
    delivery = load_config(path).delivery
    assert delivery.dir == tmp_path / "outbox-files" and delivery.max_per_second == 2.0
    assert delivery.connections == 1 and delivery.retry_for_hours == 24 and delivery.retry_first_seconds == 60


class NotingCheckpoints:
    """A sender (one connection) that accepts each message and notes how often the database
    checkpoints its write-ahead log while the message goes."""

    def __init__(self, store: Store) -> None:
        self.store, self.seen = store, []

    def send(self, mail):
        self.seen.append(self.store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        return SendResult(True, "250 kept")


def test_a_delivery_pass_checkpoints_the_log_a_tenth_as_often_and_restores_the_setting(tmp_path):
    ws = workspace(tmp_path, 25, readers=3)  # no server: the sender keeps the messages
    with Store(ws.config.database) as store:
        if store.dialect != SQLITE:
            pytest.skip("SQLite's write-ahead log")
        queue_all(ws, store)
        sender = NotingCheckpoints(store)
        outcomes = deliver_due(ws.config, store, sender, NOW)
        assert [o.ok for o in outcomes] == [True] * 3
        assert sender.seen == [BULK_CHECKPOINT_PAGES] * 3 == [10_000] * 3
        assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000  # SQLite's default
