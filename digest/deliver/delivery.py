"""Draining the outbox: reused connections, a bounded rate, failures classified and retried.

deliver_due() loads the due messages one at a time and hands them to ``connections`` worker
threads; each worker owns one sender (one SMTP connection, reused for many messages). The
workers only talk SMTP: every result comes back to the calling thread, which alone writes
the database, recording each result as it arrives (what has arrived together is written in
one transaction). A shared :class:`RateLimiter` keeps the pace under ``max_per_second`` and
halves it when the server answers with a throttling reply.

What a result means for the message:
  250                         sent; its papers are recorded as sent, in the same transaction
  4xx, hang-up, timeout,      deferred: tried again after a backoff that doubles from
  no connection               retry_first_seconds (with jitter, capped at retry_max_seconds),
                              until retry_for_hours after it was queued; then failed
  5xx                         failed for good with the server's reply; its papers are free again
  5xx for the address         the same, and the address is suppressed: no more digests to it,
                              and what else waits for it is not attempted (deliver.suppressions)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digest.config import Config, DeliveryConfig
from digest.db import DB_ERRORS, worker_id
from digest.deliver.outbox import Outbox, OutboxMessage
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, FileSender, LoginRefused, SendResult, SmtpSender
from digest.deliver.unrecorded import Unrecorded, record_accepted, stop_delivery
from digest.errors import StoreError
from digest.store import Store

log = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, mail: Envelope) -> SendResult: ...


SenderFactory = Callable[[], Sender]


@dataclass(frozen=True)
class SendOutcome:
    user: str
    email: str
    papers: int
    message_id: str
    ok: bool
    reply: str
    retry_at: dt.datetime | None = None  # a passing failure: when it is tried again
    unreachable: bool = False  # the server could not be reached at all


@dataclass(frozen=True)
class RetryPolicy:
    """Passing failures wait first_seconds, doubling (capped at max_seconds), each wait scaled by a
    random factor in [1 - jitter, 1]; a message queued more than for_hours ago is given up."""

    first_seconds: float = 60.0
    for_hours: float = 24.0
    max_seconds: float = 3600.0
    jitter: float = 0.0

    @classmethod
    def from_config(cls, delivery: DeliveryConfig, jitter: float = 0.2) -> RetryPolicy:
        return cls(delivery.retry_first_seconds, delivery.retry_for_hours, delivery.retry_max_seconds, jitter)

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        base = min(self.first_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        if self.jitter:
            base *= 1 - self.jitter * (rng or random).random()
        return base

    def next_attempt(
        self, attempts: int, created: dt.datetime, now: dt.datetime, rng: random.Random | None = None
    ) -> dt.datetime | None:
        """When to try again after ``attempts`` failed attempts, or None: give up."""
        at = now + dt.timedelta(seconds=self.delay(attempts, rng))
        return at if at <= created + dt.timedelta(hours=self.for_hours) else None


class RateLimiter:
    """Paces sends across all workers: at most ``per_second`` (None: no limit).

    A throttling reply halves the pace (with no limit set: half the pace achieved so far);
    every accepted message wins back 2%, up to the configured limit. ``clock`` and ``sleep``
    come in as arguments, so tests run it on a fake clock.
    """

    def __init__(
        self,
        per_second: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        floor: float = 0.5,
    ) -> None:
        self.limit = per_second
        self.rate = per_second
        self.clock, self.sleep, self.floor = clock, sleep, floor
        self.lock = threading.Lock()
        self.next_slot = clock()
        self.started = clock()
        self.accepted = 0
        self.slowdowns = 0

    def wait(self) -> None:
        with self.lock:
            if self.rate is None:
                return
            now = self.clock()
            at = max(now, self.next_slot)
            self.next_slot = at + 1.0 / self.rate
        if at > now:
            self.sleep(at - now)

    def succeeded(self) -> None:
        with self.lock:
            self.accepted += 1
            if self.rate is not None and self.slowdowns:
                self.rate = self.rate * 1.02 if self.limit is None else min(self.limit, self.rate * 1.02)

    def throttled(self) -> None:
        with self.lock:
            if self.rate is None:
                elapsed = max(self.clock() - self.started, 1e-3)
                current = self.accepted / elapsed
            else:
                current = self.rate
            self.rate = max(self.floor, current / 2)
            self.slowdowns += 1
            self.next_slot = max(self.next_slot, self.clock() + 1.0 / self.rate)
        log.warning("the server asks us to slow down: now at most %.1f messages per second", self.rate)


def sender_factory(config: Config, to_dir: Any = None) -> SenderFactory:
    """The configured transport: SMTP, or .eml files in ``to_dir`` / ``delivery.dir``."""
    if to_dir is not None or config.delivery.transport == "file":
        folder = to_dir if to_dir is not None else config.delivery.dir
        return lambda: FileSender(folder)
    return lambda: SmtpSender(config.smtp)


class _Circuit:
    """Stop knocking for this pass once every connection has failed to reach the server, or
    once the server has timed out mid-transaction ``timeouts`` times in a row (a server that
    hangs after DATA would otherwise cost a timeout per message: hours for a thousand readers)."""

    def __init__(self, limit: int, timeouts: int) -> None:
        self.limit, self.failures, self.reply = limit, 0, ""
        self.timeouts_limit, self.timeouts = timeouts, 0
        self.refused = False
        self.lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= self.limit or self.timeouts >= self.timeouts_limit or self.refused

    def record(self, result: SendResult) -> None:
        with self.lock:
            if result.login_refused:  # no other connection will fare better: stop at once
                self.refused, self.reply = True, result.reply
            elif result.unreachable:
                self.failures += 1
                self.reply = result.reply
            elif result.timed_out:
                self.timeouts += 1
                self.reply = f"{result.reply} {self.timeouts} times in a row; stopped for this pass"
            else:
                self.failures = self.timeouts = 0


_DONE = object()


def deliver_due(
    config: Config,
    store: Store,
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    users: Sequence[str] | None = None,
    policy: RetryPolicy | None = None,
    *,
    connections: int | None = None,
    limiter: RateLimiter | None = None,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    unrecorded: Unrecorded | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> list[SendOutcome]:
    """Hand every due outbox message to a sender; record each result as it comes.

    ``sender``: one sender (used by one worker, not closed here), a factory (one sender per
    worker, ``connections`` workers, default ``delivery.connections``), or None for the
    configured transport.

    A worker starts its next message only once the result of its previous one is committed,
    so a crash at any instant leaves at most one accepted-but-unrecorded message per
    connection (re-sent later with the same Message-ID). ``stop`` (set on SIGTERM) lets each
    worker finish the message in flight; messages not tried yet stay queued, due as before.

    If the result of a message the server accepted cannot be recorded (the disk is full), the
    pass stops with :class:`DeliveryHalted` rather than leave it queued to be sent again:
    ``unrecorded`` (default: the note beside the database) remembers it, and every later pass
    records it first, refusing to send anything until that works.

    Each result is recorded at its own time (``clock``; default: ``now`` plus the time the
    pass has taken), so a retry waits its full delay after the failure, however long the pass.
    """
    policy = policy or RetryPolicy.from_config(config.delivery)
    limiter = limiter or RateLimiter(config.delivery.max_per_second)
    outbox = Outbox(store)
    unrecorded = unrecorded if unrecorded is not None else Unrecorded(store.path)
    record_accepted(outbox, unrecorded)
    ids = outbox.due_ids(now, users)
    if not ids:
        return []
    me, lease = worker_id(), dt.timedelta(seconds=config.delivery.lease_seconds)
    if sender is None:
        sender = sender_factory(config)
    if hasattr(sender, "send"):
        single: Any = sender
        factories: list[Callable[[], Any]] = [lambda: single]
        owned = False
    else:
        factory: Any = sender
        wanted = connections or (1 if config.delivery.transport == "file" else config.delivery.connections)
        factories = [factory] * max(1, min(wanted, len(ids)))
        owned = True
    work: queue.Queue[Any] = queue.Queue()
    results: queue.Queue[tuple[OutboxMessage, SendResult | None, threading.Event | None, dt.datetime]] = (
        queue.Queue()
    )
    circuit = _Circuit(len(factories), timeouts=max(2, len(factories)))
    if clock is None:  # the pass's own time: `now`, moved on by the time the pass has taken
        started = time.monotonic()

        def clock() -> dt.datetime:
            return now + dt.timedelta(seconds=time.monotonic() - started)

    halt = threading.Event()
    outside = stop or threading.Event()

    def worker(make: Callable[[], Any]) -> None:
        own = make()
        try:
            while True:
                msg = work.get()
                if msg is _DONE:
                    return
                if halt.is_set() or outside.is_set():
                    results.put((msg, None, None, now))  # not tried: stays queued as it was
                    continue
                if circuit.refused:
                    results.put((msg, None, None, now))  # not tried: stays queued as it was
                    continue
                if circuit.open:
                    not_tried = SendResult(False, f"not tried: {circuit.reply}", unreachable=True)
                    results.put((msg, not_tried, None, clock()))
                    continue
                limiter.wait()
                envelope = Envelope(msg.message_id, msg.user, config.smtp.sender, msg.recipient, msg.mime)
                try:
                    result = own.send(envelope)
                except Exception as e:  # noqa: BLE001 - a bug in one send must not lose the others
                    log.exception("sending %s failed unexpectedly", msg.message_id)
                    result = SendResult(False, f"internal error: {type(e).__name__}: {e}")
                circuit.record(result)
                if result.ok:
                    limiter.succeeded()
                elif result.throttled:
                    limiter.throttled()
                recorded = threading.Event()
                results.put((msg, result, recorded, clock()))
                while not recorded.wait(0.5):  # the next message waits until this one is on disk
                    if halt.is_set():
                        return
        finally:
            if owned and hasattr(own, "close"):
                own.close()

    threads = [threading.Thread(target=worker, args=(f,), daemon=True) for f in factories]
    for t in threads:
        t.start()
    outcomes: list[SendOutcome] = []
    suppressions = Suppressions(store)
    pending = outbox.claiming(ids, me, clock, lease, batch=4 * len(threads))
    renewed = time.monotonic()
    in_flight = 0
    cap = 4 * len(threads)  # messages loaded ahead of the workers: memory stays flat
    try:
        while True:
            while in_flight < cap and not outside.is_set() and (next_id := next(pending, None)) is not None:
                msg = outbox.get(next_id)
                if (blocked := suppressions.blocks(msg.user, msg.recipient)) is not None:
                    outcomes.append(_suppressed(outbox, msg, blocked.describe(), now))
                    continue
                work.put(msg)
                in_flight += 1
            if not in_flight:
                break
            batch = [results.get()]
            while True:
                try:
                    batch.append(results.get_nowait())
                except queue.Empty:
                    break
            in_flight -= len(batch)
            try:
                with store.transaction():
                    outcomes += [
                        _record(outbox, suppressions, policy, msg, result, at, rng)
                        for msg, result, _, at in batch
                        if result is not None
                    ]
            except (*DB_ERRORS, StoreError) as e:
                stop_delivery(store, unrecorded, [(m, r, at) for m, r, _, at in batch], e)
            for _, _, recorded, _ in batch:
                if recorded is not None:
                    recorded.set()
            if time.monotonic() - renewed > lease.total_seconds() / 4:  # still at it: keep the lease
                outbox.renew(me, clock() + lease)
                renewed = time.monotonic()
    finally:
        halt.set()
        for _ in threads:
            work.put(_DONE)
        for t in threads:
            t.join(timeout=max(config.smtp.timeout, 1.0) * 2)
        with contextlib.suppress(*DB_ERRORS, StoreError):  # else the lease runs out
            outbox.release(me)
    if circuit.refused:
        log.error("%s", circuit.reply)
        raise LoginRefused(f"{circuit.reply}; the digests wait in the outbox until the login works")
    return outcomes


def check_transport(config: Config) -> None:
    """Raise now (ConfigError) what sending would find only after queueing: an unset password."""
    if config.delivery.transport != "file":
        config.smtp.password()


def _suppressed(outbox: Outbox, msg: OutboxMessage, why: str, now: dt.datetime) -> SendOutcome:
    """A message to a suppressed address: failed without an attempt."""
    reply = f"not tried: address suppressed: {why}"
    with outbox.store.transaction():
        outbox.mark_failed(msg, reply, now, in_transaction=True, attempted=False)
    log.warning("digest to %s <%s> not sent: %s", msg.user, msg.recipient, reply)
    return SendOutcome(msg.user, msg.recipient, len(msg.paper_ids), msg.message_id, False, reply)


def _record(
    outbox: Outbox,
    suppressions: Suppressions,
    policy: RetryPolicy,
    msg: OutboxMessage,
    result: SendResult,
    now: dt.datetime,
    rng: random.Random | None,
) -> SendOutcome:
    papers = len(msg.paper_ids)
    retry_at = None
    reply = result.reply
    if result.ok:
        outbox.mark_sent(msg, reply, now, in_transaction=True)
        log.info("digest sent to %s <%s>: %d papers", msg.user, msg.recipient, papers)
    elif not result.permanent and (
        retry_at := policy.next_attempt(msg.attempts + 1, msg.created_at, now, rng)
    ):
        outbox.mark_retry(msg, reply, now, retry_at, in_transaction=True)
        log.warning(
            "digest to %s <%s> deferred until %s: %s",
            msg.user,
            msg.recipient,
            retry_at.isoformat(timespec="seconds"),
            reply,
        )
    else:
        if not result.permanent:
            reply = f"gave up after {msg.attempts + 1} attempts over {policy.for_hours:g} hours: {reply}"
        outbox.mark_failed(msg, reply, now, in_transaction=True)
        log.error("digest to %s <%s> failed: %s", msg.user, msg.recipient, reply)
        if result.bounce:
            suppressions.add(msg.user, msg.recipient, reply, now)
            log.error("address <%s> of %s suppressed: no more digests to it", msg.recipient, msg.user)
    return SendOutcome(
        msg.user, msg.recipient, papers, msg.message_id, result.ok, reply, retry_at, result.unreachable
    )
