"""Draining the outbox: reused connections, a bounded rate, failures classified and retried.

deliver_due() loads the due messages one at a time and hands them to ``connections`` worker
threads; each worker owns one sender (one SMTP connection, reused for many messages) and
records each of its results (one transaction; the threads take the store in turn) before it
takes its next message. The calling thread stores the new messages and keeps the workers'
queue a few messages deep. One connection whose sender never waits for a server (files:
``waits = False``) needs no thread: the calling thread sends each message itself and records
its result in the transaction that stores the next messages (or alone, before the next
message goes): no hand-off, no lock taken in turn. A shared :class:`RateLimiter` keeps the
pace under ``max_per_second`` and halves it when the server answers with a throttling reply.

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
import functools
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from digest.config import Config
from digest.db import db_errors, wall_clock, worker_id
from digest.deliver.outbox import NewMessage, Outbox, OutboxMessage
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.results import SendOutcome, record_result, suppressed
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


def sender_factory(config: Config, to_dir: Any = None) -> SenderFactory:
    """The configured transport: SMTP, or .eml files in ``to_dir`` / ``delivery.dir``."""
    if to_dir is not None or config.delivery.transport == "file":
        folder = to_dir if to_dir is not None else config.delivery.dir
        return lambda: FileSender(folder)
    return lambda: SmtpSender(config.smtp)


_DONE = object()
Sent = tuple[OutboxMessage, SendResult, dt.datetime]  # a message tried, its result, when


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
    inline: Any = None  # one connection that never waits (files): sent and recorded here, no thread
    if len(factories) == 1:
        first = factories[0]()
        if getattr(first, "waits", True):
            factories = [lambda: first]
        else:
            inline, factories = first, []
    circuit = Circuit(max(1, len(factories)), timeouts=max(2, len(factories)))
    if clock is None:  # the pass's own time: `now`, moved on by the time the pass has taken
        started = time.monotonic()

        def clock() -> dt.datetime:
            return now + dt.timedelta(seconds=time.monotonic() - started)

    halt = threading.Event()  # a worker failed (the database): nothing more is tried
    outside = stop or threading.Event()
    guard = threading.Lock()  # the store: one thread at a time (each transaction whole)
    work: queue.Queue[Any] = queue.Queue()  # stored messages, in the order they are to go
    cap = 4 * max(1, len(factories))  # messages handed out ahead of the workers: memory stays flat
    hungry = threading.Event()  # set by a worker when few messages are left in ``work``
    outcomes: list[SendOutcome] = []
    failures: list[BaseException] = []  # the workers'; raised by the calling thread
    suppressions = Suppressions(store)
    bounced = threading.Event()  # has a hard bounce suppressed an address during this pass?
    pending: list[Sent] = []  # inline: the result of the last message, recorded with the next write

    def take() -> list[Sent]:
        taken = pending[:]
        pending.clear()
        return taken

    def record(results: list[Sent], also: Callable[[], Any] | None = None) -> Any:
        """Record ``results`` in one transaction (with what ``also`` writes); ``also``'s value."""
        try:
            with guard, store.transaction():
                done = [
                    record_result(outbox, suppressions, policy, msg, result, at, rng)
                    for msg, result, at in results
                ]
                value = also() if also is not None else None
        except (*db_errors(), StoreError) as e:
            stop_delivery(store, unrecorded, list(results), e)  # raises
            raise
        if results:
            outcomes.extend(done)
            if any(result.bounce for _, result, _ in results):
                bounced.set()
            progress.advance(len(results))
        return value

    def attempt(own: Any, msg: OutboxMessage) -> Sent | None:
        """Send ``msg`` (None: not tried, it stays queued as it was)."""
        if halt.is_set() or outside.is_set() or circuit.refused:
            return None
        if circuit.open:
            return msg, SendResult(False, f"not tried: {circuit.reply}", unreachable=True), clock()
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
        return msg, result, clock()

    def worker(make: Callable[[], Any]) -> None:
        own = make()
        try:
            while True:
                msg = work.get()
                if work.qsize() <= cap // 2:
                    hungry.set()
                if msg is _DONE:
                    return
                if (sent := attempt(own, msg)) is not None:
                    record([sent])  # before the next message: at most one to repeat
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
        if inline is not None:  # sent here, once the previous result is committed
            if pending:
                record(take())  # before the next message: at most one to repeat
            sent = attempt(inline, msg)
            if sent is None:
                return False
            pending.append(sent)  # recorded with the next write (the next message's storing)
            keep_lease()
            return True
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
                outcomes.append(suppressed(outbox, msg, blocked.describe(), now))
        if blocked is not None:
            progress.advance()
        return blocked is None

    progress.start("sending", len(ids) + fresh_count)
    ended = False
    try:
        claimed = outbox.claiming(ids, me, wall_clock, lease, batch=cap)
        while True:
            with guard:
                next_id = next(claimed, None)
                msg = outbox.get(next_id) if next_id is not None else None
            if msg is None or (usable(msg, False) and not hand(msg)):
                break
            keep_lease()
        if fresh is not None and not (halt.is_set() or outside.is_set()):
            _feed(
                fresh,
                outbox,
                me,
                lease,
                now,
                progress,
                bounced,
                usable,
                hand,
                lambda also: record(take(), also),
            )
        ended = True
    finally:
        try:
            if pending:
                record(take())
        finally:
            _end(inline if owned else None)
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
    outbox: Outbox,
    me: str,
    lease: dt.timedelta,
    now: dt.datetime,
    progress: Progress,
    bounced: threading.Event,
    usable: Callable[[OutboxMessage, bool], bool],
    hand: Callable[[OutboxMessage], bool],
    write: Callable[[Callable[[], Any]], Any],
) -> None:
    """Store the fresh messages (those ready together in one transaction, through ``write``,
    which records a result waiting to be recorded in the same one) and hand them out. What
    the maker has ready is read ahead (up to READ_AHEAD) before each hand-over, so the maker,
    whose pipe holds about one message, is not kept waiting while one is sent."""
    poll: Callable[[], bool] = getattr(fresh, "poll", lambda: False)
    items = iter(fresh)
    ready: collections.deque[NewMessage] = collections.deque()
    more = [True]

    def read_ahead() -> None:
        while more[0] and len(ready) < READ_AHEAD and poll():
            if (item := next(items, None)) is None:
                more[0] = False
            else:
                ready.append(item)

    while True:
        read_ahead()
        if not ready and more[0] and (item := next(items, None)) is not None:
            ready.append(item)
        made = [ready.popleft() for _ in range(min(FEED_BATCH, len(ready)))]
        if not made:
            return
        stored = write(functools.partial(_store, outbox, made, me, lease, now))
        if len(made) > len(stored):  # not stored (its period has a digest): not sent
            progress.advance(len(made) - len(stored))
        for msg in stored:
            read_ahead()
            if usable(msg, not bounced.is_set()) and not hand(msg):
                return


FEED_BATCH = 8  # fresh messages stored in one transaction, at most (a worker waits for it to record)
READ_AHEAD = 32  # fresh messages read from the maker and held, not stored yet, at most


def _store(
    outbox: Outbox, made: list[NewMessage], me: str, lease: dt.timedelta, now: dt.datetime
) -> list[OutboxMessage]:
    held = (me, wall_clock() + lease)  # made here: sent here
    return [s for m in made if (s := outbox.add(m, now, held)) is not None]


def _end(sender: Any) -> None:
    if sender is not None and hasattr(sender, "close"):
        sender.close()


def check_transport(config: Config) -> None:
    """Raise now (ConfigError) what sending would find only after queueing: an unset password."""
    if config.delivery.transport != "file":
        config.smtp.password()
