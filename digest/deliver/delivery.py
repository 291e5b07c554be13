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

import collections
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
from digest.db import DB_ERRORS, wall_clock, worker_id
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

    ``fresh``: messages still to be queued (``fresh_count`` of them), made in a producer thread
    while the workers talk to the server (so making one must not touch the database). Each is
    stored (committed) before it is handed to a worker, straight from memory, after the
    messages that were already due. Results that arrive together, and the fresh messages
    ready by then, are written in one transaction.

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
    work: queue.Queue[Any] = queue.Queue()
    events: queue.Queue[tuple[Any, ...]] = queue.Queue()  # results, and fresh messages made
    circuit = Circuit(len(factories), timeouts=max(2, len(factories)))
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
                    events.put((_RESULT, msg, None, None, now))  # not tried: stays queued as it was
                    continue
                if circuit.refused:
                    events.put((_RESULT, msg, None, None, now))  # not tried: stays queued as it was
                    continue
                if circuit.open:
                    not_tried = SendResult(False, f"not tried: {circuit.reply}", unreachable=True)
                    events.put((_RESULT, msg, not_tried, None, clock()))
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
                events.put((_RESULT, msg, result, recorded, clock()))
                while not recorded.wait(0.5):  # the next message waits until this one is on disk
                    if halt.is_set():
                        return
        finally:
            if owned and hasattr(own, "close"):
                own.close()

    cap = 4 * len(factories)  # messages handed out ahead of the workers: memory stays flat
    room = threading.Semaphore(2 * cap + 32)  # fresh messages made but not handed out yet

    def producer(items: Iterable[NewMessage]) -> None:
        try:
            for item in items:
                while not room.acquire(timeout=0.5):
                    if halt.is_set() or outside.is_set():
                        events.put((_END,))
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
    suppressions = Suppressions(store)
    pending = outbox.claiming(ids, me, wall_clock, lease, batch=cap)
    renewed = time.monotonic()
    ready: collections.deque[OutboxMessage] = collections.deque()  # stored, not handed out yet
    made: list[NewMessage] = []  # made, not stored yet
    producing = fresh is not None
    failure: BaseException | None = None  # the producer's, raised once the results are recorded
    in_flight = 0
    bounced = False  # has a hard bounce suppressed an address during this pass?
    progress.start("sending", len(ids) + fresh_count)
    try:
        while True:
            while in_flight < cap and not outside.is_set() and failure is None:
                if ready:
                    msg = ready.popleft()
                    room.release()  # the producer may make one more
                    checked = not bounced  # its reader was checked just before: only a bounce since counts
                elif (next_id := next(pending, None)) is not None:
                    msg, checked = outbox.get(next_id), False
                else:
                    break
                if not checked and (blocked := suppressions.blocks(msg.user, msg.recipient)) is not None:
                    outcomes.append(_suppressed(outbox, msg, blocked.describe(), now))
                    progress.advance()
                    continue
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
                if e[0] == _ERROR:
                    failure, producing = e[1], False
                elif e[0] == _END:
                    producing = False
            if outside.is_set():
                made.clear()  # not stored: made again by the next run
            in_flight -= len(results)
            if not results and (not made or in_flight >= cap):
                continue  # the workers are busy: what was made is stored with the next result (one commit)
            try:
                with store.transaction():
                    outcomes += [
                        _record(outbox, suppressions, policy, msg, result, at, rng)
                        for msg, result, _, at in results
                        if result is not None
                    ]
                    held = (me, wall_clock() + lease)  # made here: sent here
                    stored = [s for m in made if (s := outbox.add(m, now, held)) is not None]
            except (*DB_ERRORS, StoreError) as e:
                stop_delivery(store, unrecorded, [(m, r, at) for m, r, _, at in results], e)
            ready.extend(stored)
            for _ in range(len(made) - len(stored)):  # not stored (its period has a digest): not sent
                room.release()
                progress.advance()
            bounced = bounced or any(r is not None and r.bounce for _, r, _, _ in results)
            made.clear()
            for _, _, recorded, _ in results:
                if recorded is not None:
                    recorded.set()
            progress.advance(sum(r is not None for _, r, _, _ in results))
            if time.monotonic() - renewed > lease.total_seconds() / 4:  # still at it: keep the lease
                outbox.renew(me, wall_clock() + lease)
                renewed = time.monotonic()
    finally:
        halt.set()
        for _ in threads:
            work.put(_DONE)
        for t in threads:
            t.join(timeout=max(config.smtp.timeout, 1.0) * 2)
        progress.finish()
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
