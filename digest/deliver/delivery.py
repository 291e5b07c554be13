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
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digest.config import Config, DeliveryConfig
from digest.deliver.outbox import NewMessage, Outbox, OutboxMessage
from digest.deliver.transports import Envelope, FileSender, SendResult, SmtpSender
from digest.progress import NO_PROGRESS, Progress
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
    """Once every connection has failed to reach the server, stop knocking for this pass."""

    def __init__(self, limit: int) -> None:
        self.limit, self.failures, self.reply = limit, 0, ""
        self.lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= self.limit

    def record(self, result: SendResult) -> None:
        with self.lock:
            if result.unreachable:
                self.failures += 1
                self.reply = result.reply
            else:
                self.failures = 0


_DONE = object()
_PREPARED, _RESULT, _END, _ERROR = "prepared", "result", "end", "error"


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
    fresh: Iterable[NewMessage] | None = None,
    fresh_count: int = 0,
    progress: Progress | None = None,
) -> list[SendOutcome]:
    """Hand every due outbox message to a sender; record each result as it comes.

    ``sender``: one sender (used by one worker, not closed here), a factory (one sender per
    worker, ``connections`` workers, default ``delivery.connections``), or None for the
    configured transport.

    ``fresh``: messages still to be queued (``fresh_count`` of them), made in a producer thread
    while the workers talk to the server. Each is stored (committed) before it is handed to a
    worker, straight from memory; it goes after the messages that were already due.

    A worker starts its next message only once the result of its previous one is committed,
    so a crash at any instant leaves at most one accepted-but-unrecorded message per
    connection (re-sent later with the same Message-ID). Results that arrive together, and
    fresh messages ready by then, are written in one transaction. ``stop`` (set on SIGTERM)
    lets each worker finish the message in flight; messages not tried yet stay queued.
    """
    policy = policy or RetryPolicy.from_config(config.delivery)
    limiter = limiter or RateLimiter(config.delivery.max_per_second)
    progress = progress or NO_PROGRESS
    outbox = Outbox(store)
    ids = outbox.due_ids(now, users)
    if not ids and fresh is None:
        return []
    if sender is None:
        sender = sender_factory(config)
    if hasattr(sender, "send"):
        single: Any = sender
        factories: list[Callable[[], Any]] = [lambda: single]
        owned = False
    else:
        factory: Any = sender
        wanted = connections or (1 if config.delivery.transport == "file" else config.delivery.connections)
        factories = [factory] * max(1, min(wanted, len(ids) + (fresh_count if fresh is not None else 1)))
        owned = True
    work: queue.Queue[Any] = queue.Queue()
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()
    circuit = _Circuit(len(factories))
    halt = threading.Event()
    outside = stop or threading.Event()
    cap = 4 * len(factories)  # messages handed out ahead of the workers: memory stays flat
    room = threading.Semaphore(2 * cap + 32)  # fresh messages made but not handed out yet

    def worker(make: Callable[[], Any]) -> None:
        own = make()
        try:
            while True:
                msg = work.get()
                if msg is _DONE:
                    return
                if halt.is_set() or outside.is_set():
                    events.put((_RESULT, msg, None, None))  # not tried: stays queued as it was
                    continue
                if circuit.open:
                    result = SendResult(False, f"not tried: {circuit.reply}", unreachable=True)
                    events.put((_RESULT, msg, result, None))
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
                events.put((_RESULT, msg, result, recorded))
                while not recorded.wait(0.5):  # the next message waits until this one is on disk
                    if halt.is_set():
                        return
        finally:
            if owned and hasattr(own, "close"):
                own.close()

    def producer(items: Iterable[NewMessage]) -> None:
        try:
            for item in items:
                while not room.acquire(timeout=0.5):
                    if halt.is_set():
                        return
                if halt.is_set() or outside.is_set():
                    break
                events.put((_PREPARED, item))
        except BaseException as e:  # noqa: BLE001 - handed to the calling thread, which raises it
            events.put((_ERROR, e))
            return
        events.put((_END,))

    threads = [threading.Thread(target=worker, args=(f,), daemon=True) for f in factories]
    if fresh is not None:
        threads.append(threading.Thread(target=producer, args=(fresh,), daemon=True))
    for t in threads:
        t.start()
    outcomes: list[SendOutcome] = []
    pending = iter(ids)
    ready: collections.deque[OutboxMessage] = collections.deque()  # stored, not handed out yet
    made: list[NewMessage] = []  # prepared, not stored yet
    producing = fresh is not None
    failure: BaseException | None = None  # the producer's, if making a message failed
    in_flight = 0
    progress.start("sending", len(ids) + fresh_count)
    try:
        while True:
            while in_flight < cap and not outside.is_set() and failure is None:
                if ready:
                    msg = ready.popleft()
                    room.release()  # the producer may make one more
                elif (next_id := next(pending, None)) is not None:
                    msg = outbox.get(next_id)
                else:
                    break
                work.put(msg)
                in_flight += 1
            if not in_flight and not producing and not made:
                if failure is not None:
                    raise failure
                break
            batch = [events.get()] if in_flight or producing else []
            while True:
                try:
                    batch.append(events.get_nowait())
                except queue.Empty:
                    break
            results = [e[1:] for e in batch if e[0] == _RESULT]
            made += [e[1] for e in batch if e[0] == _PREPARED]
            for e in batch:
                if e[0] == _ERROR:  # raised once the messages with the server are recorded
                    failure, producing = e[1], False
                if e[0] == _END:
                    producing = False
            if outside.is_set():
                made.clear()  # not stored: made again by the next run
            in_flight -= len(results)
            if not results and not made:
                continue
            with store.transaction():
                outcomes += [
                    _record(outbox, policy, msg, result, now, rng)
                    for msg, result, _ in results
                    if result is not None
                ]
                ready.extend(outbox.add(m, now) for m in made)
            made.clear()
            for _, _, recorded in results:
                if recorded is not None:
                    recorded.set()
            progress.advance(sum(r is not None for _, r, _ in results))
    finally:
        halt.set()
        for _ in threads:
            work.put(_DONE)
        for t in threads:
            t.join(timeout=max(config.smtp.timeout, 1.0) * 2)
        progress.finish()
    return outcomes


def _record(
    outbox: Outbox,
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
    return SendOutcome(
        msg.user, msg.recipient, papers, msg.message_id, result.ok, reply, retry_at, result.unreachable
    )
