"""Draining the outbox: reused connections, a bounded rate, failures classified and retried.

deliver_due() loads the due messages one at a time and hands them to ``connections`` worker
threads; each worker owns one sender (one SMTP connection, reused for many messages) and
records each of its results (one transaction; the threads take the store in turn) before it
takes its next message. The calling thread stores the new messages and keeps the workers'
queue a few messages deep. A shared :class:`RateLimiter` keeps the pace under ``max_per_second`` and
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from digest.config import Config
from digest.db import db_errors, wall_clock, worker_id
from digest.deliver.outbox import NewMessage, Outbox, OutboxMessage
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, FileSender, LoginRefused, SendResult, SmtpSender
from digest.deliver.unrecorded import Unrecorded, record_accepted, stop_delivery
from digest.errors import StoreError
from digest.progress import NO_PROGRESS, Progress
from digest.store import Store

log = logging.getLogger(__name__)

__all__ = ["RateLimiter", "RetryPolicy", "SendOutcome", "Sender", "SenderFactory", "deliver_due"]


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


def sender_factory(config: Config, to_dir: Any = None) -> SenderFactory:
    """The configured transport: SMTP, or .eml files in ``to_dir`` / ``delivery.dir``."""
    if to_dir is not None or config.delivery.transport == "file":
        folder = to_dir if to_dir is not None else config.delivery.dir
        return lambda: FileSender(folder)
    return lambda: SmtpSender(config.smtp)


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
    fresh: Iterable[NewMessage] | None = None,
    fresh_count: int = 0,
    progress: Progress | None = None,
) -> list[SendOutcome]:
    """Hand every due outbox message to a sender; record each result as it comes.

    ``sender``: one sender (used by one worker, not closed here), a factory (one sender per
    worker, ``connections`` workers, default ``delivery.connections``), or None for the
    configured transport.

    ``fresh``: messages still to be queued (``fresh_count`` of them), taken by the calling
    thread while the workers talk to the server (so making one must not touch the database;
    if ``fresh`` has a ``poll()`` saying another one is ready, those ready together are stored
    in one transaction). Each is stored (committed) before it is handed to a worker, straight
    from memory, after the messages that were already due.

    Each worker records the result of its message itself (one transaction, the store taken
    by one thread at a time) before it takes its next message, so a crash at any instant
    leaves at most one accepted-but-unrecorded message per connection (re-sent later with the
    same Message-ID), and no thread waits for another between two messages. ``stop`` (set on
    SIGTERM) lets each worker finish the message in flight; messages not tried yet stay
    queued, due as before.

    If the result of a message the server accepted cannot be recorded (the disk is full), the
    pass stops with :class:`DeliveryHalted` rather than leave it queued to be sent again:
    ``unrecorded`` (default: the note beside the database) remembers it, and every later pass
    records it first, refusing to send anything until that works.

    Each result is recorded at its own time (``clock``; default: ``now`` plus the time the
    pass has taken), so a retry waits its full delay after the failure, however long the pass.
    """
    policy = policy or RetryPolicy.from_config(config.delivery)
    limiter = limiter or RateLimiter(config.delivery.max_per_second)
    progress = progress or NO_PROGRESS
    outbox = Outbox(store)
    unrecorded = unrecorded if unrecorded is not None else Unrecorded(store.path)
    record_accepted(outbox, unrecorded)
    ids = outbox.due_ids(now, users)
    if not ids and fresh is None:
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
        factories = [factory] * max(1, min(wanted, len(ids) + (fresh_count if fresh is not None else 0)))
        owned = True
    circuit = Circuit(len(factories), timeouts=max(2, len(factories)))
    if clock is None:  # the pass's own time: `now`, moved on by the time the pass has taken
        started = time.monotonic()

        def clock() -> dt.datetime:
            return now + dt.timedelta(seconds=time.monotonic() - started)

    halt = threading.Event()  # a worker failed (the database): nothing more is tried
    outside = stop or threading.Event()
    guard = threading.Lock()  # the store: one thread at a time (each transaction whole)
    work: queue.Queue[Any] = queue.Queue()  # stored messages, in the order they are to go
    cap = 4 * len(factories)  # messages handed out ahead of the workers: memory stays flat
    hungry = threading.Event()  # set by a worker when few messages are left in ``work``
    outcomes: list[SendOutcome] = []
    failures: list[BaseException] = []  # the workers'; raised by the calling thread
    suppressions = Suppressions(store)
    bounced = threading.Event()  # has a hard bounce suppressed an address during this pass?

    def record(msg: OutboxMessage, result: SendResult, at: dt.datetime) -> None:
        try:
            with guard, store.transaction():
                outcome = _record(outbox, suppressions, policy, msg, result, at, rng)
        except (*db_errors(), StoreError) as e:
            stop_delivery(store, unrecorded, [(msg, result, at)], e)  # raises
            raise
        outcomes.append(outcome)
        if result.bounce:
            bounced.set()
        progress.advance()

    def worker(make: Callable[[], Any]) -> None:
        own = make()
        try:
            while True:
                msg = work.get()
                if work.qsize() <= cap // 2:
                    hungry.set()
                if msg is _DONE:
                    return
                if halt.is_set() or outside.is_set() or circuit.refused:
                    continue  # not tried: stays queued as it was
                if circuit.open:
                    record(msg, SendResult(False, f"not tried: {circuit.reply}", unreachable=True), clock())
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
                record(msg, result, clock())  # before the next message: at most one to repeat
        except BaseException as e:  # noqa: BLE001 - raised by the calling thread
            failures.append(e)
            halt.set()
            hungry.set()
        finally:
            if owned and hasattr(own, "close"):
                own.close()

    threads = [threading.Thread(target=worker, args=(f,), daemon=True) for f in factories]
    for t in threads:
        t.start()
    renewed = [time.monotonic()]

    def keep_lease() -> None:
        if time.monotonic() - renewed[0] > lease.total_seconds() / 4:  # still at it: keep the lease
            with guard:
                outbox.renew(me, wall_clock() + lease)
            renewed[0] = time.monotonic()

    def hand(msg: OutboxMessage) -> bool:
        """Queue ``msg`` for the workers once they are short of work; False: the pass stops."""
        while True:
            if halt.is_set() or outside.is_set():
                return False
            hungry.clear()
            if work.qsize() < cap:
                work.put(msg)
                return True
            hungry.wait(0.5)
            keep_lease()

    def usable(msg: OutboxMessage, checked: bool) -> bool:
        if checked:  # its reader was checked just before: only a bounce since counts
            return True
        with guard:
            blocked = suppressions.blocks(msg.user, msg.recipient)
            if blocked is not None:
                outcomes.append(_suppressed(outbox, msg, blocked.describe(), now))
        if blocked is not None:
            progress.advance()
        return blocked is None

    progress.start("sending", len(ids) + fresh_count)
    ended = False
    try:
        pending = outbox.claiming(ids, me, wall_clock, lease, batch=cap)
        while True:
            with guard:
                next_id = next(pending, None)
                msg = outbox.get(next_id) if next_id is not None else None
            if msg is None or (usable(msg, False) and not hand(msg)):
                break
            keep_lease()
        if fresh is not None and not (halt.is_set() or outside.is_set()):
            _feed(fresh, store, outbox, guard, me, lease, now, unrecorded, progress, bounced, usable, hand)
        ended = True
    finally:
        if not ended:
            halt.set()  # an error here (the producer's, Ctrl-C): the workers stop too
        for _ in threads:
            work.put(_DONE)
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5 if ended else max(config.smtp.timeout, 1.0) * 2)
                if not ended:
                    break
                keep_lease()
        progress.finish()
        with contextlib.suppress(*db_errors(), StoreError), guard:  # else the lease runs out
            outbox.release(me)
    if failures:
        raise failures[0]
    if circuit.refused:
        log.error("%s", circuit.reply)
        raise LoginRefused(f"{circuit.reply}; the digests wait in the outbox until the login works")
    return outcomes


def _feed(
    fresh: Iterable[NewMessage],
    store: Store,
    outbox: Outbox,
    guard: threading.Lock,
    me: str,
    lease: dt.timedelta,
    now: dt.datetime,
    unrecorded: Unrecorded,
    progress: Progress,
    bounced: threading.Event,
    usable: Callable[[OutboxMessage, bool], bool],
    hand: Callable[[OutboxMessage], bool],
) -> None:
    """Store the fresh messages (those ready together in one transaction) and hand them out."""
    poll: Callable[[], bool] = getattr(fresh, "poll", lambda: False)
    items = iter(fresh)
    while True:
        made = [m for m in [next(items, None)] if m is not None]
        while made and len(made) < FEED_BATCH and poll():
            if (more := next(items, None)) is None:
                break
            made.append(more)
        if not made:
            return
        try:
            with guard, store.transaction():
                held = (me, wall_clock() + lease)  # made here: sent here
                stored = [s for m in made if (s := outbox.add(m, now, held)) is not None]
        except (*db_errors(), StoreError) as e:
            stop_delivery(store, unrecorded, [], e)  # raises
            raise
        if len(made) > len(stored):  # not stored (its period has a digest): not sent
            progress.advance(len(made) - len(stored))
        for msg in stored:
            if usable(msg, not bounced.is_set()) and not hand(msg):
                return


FEED_BATCH = 8  # fresh messages stored in one transaction, at most (a worker waits for it to record)


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
