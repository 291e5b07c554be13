"""Draining the outbox: reused connections, a bounded rate, failures classified and retried.

deliver_due() loads the due messages one at a time and hands them to ``connections`` worker
threads; each worker owns one sender (one SMTP connection, reused for many messages), stores
each new message it is handed and records the result of its previous one in one transaction
(the threads take the store in turn) before the server can accept that message: while the
server takes its data, before the data's end (digest.deliver.lines). On SQLite a connection
notes what the server accepted in the pass's journal instead, and the results are recorded a
batch at a time (digest.deliver.journal; see deliver_due).
The calling thread keeps the workers' queue a few messages deep; with one connection it
sends itself (no worker thread, no hand-off: the messages are made ahead in another
process). A shared :class:`RateLimiter` keeps the pace under ``max_per_second`` and halves
it when the server answers with a throttling reply.

What each result means for its message (sent, deferred, failed, the pass stopped): the table in
digest.deliver.results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from digest.checkpoints import spaced_checkpoints
from digest.config import Config
from digest.db import SQLITE, db_errors, wall_clock
from digest.deliver.accepted import record_accepted
from digest.deliver.claims import lease_holder
from digest.deliver.commits import commit
from digest.deliver.journal import Journal, replay
from digest.deliver.line_ends import abandon, finish
from digest.deliver.lines import Line, Pass
from digest.deliver.noted import close_left, record_noted, take_noted
from digest.deliver.outbox import NewMessage, Outbox, OutboxMessage
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.refusals import stopped
from digest.deliver.results import SendOutcome, skip_suppressed
from digest.deliver.senders import Sender, SenderFactory, sender_factory, writes_files
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import DeliveryHalted, Unrecorded
from digest.deliver.wanted import GivenAway
from digest.errors import StoreError
from digest.progress import NO_PROGRESS, Progress
from digest.stop import SENDING, WRITING, Stop
from digest.store import Store
from digest.worker_ids import worker_id

log = logging.getLogger(__name__)

__all__ = ["RateLimiter", "RetryPolicy", "SendOutcome", "deliver_due"]


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
    dropped: list[GivenAway] | None = None,
    wall: Callable[[], dt.datetime] = wall_clock,
    on_server: Callable[[dt.datetime], dt.datetime] | None = None,
    untried: bool = False,
) -> list[SendOutcome]:
    """Hand every due outbox message to a sender; record each result as it comes.

    ``sender``: one sender (used by one worker, not closed here), a factory (one sender per
    worker, ``connections`` workers, default ``delivery.connections``), or None for the
    configured transport.

    ``fresh``: messages still to be queued (``fresh_count`` of them), taken by the calling
    thread while the workers talk to the server (so making one must not touch the database),
    after the messages that were already due. Each is stored (committed) before it is sent, and
    sent straight from memory: stored by the worker that sends it, or (with the journal, below)
    a batch at a time by the calling thread. One that is a removed reader's (digest.deliver.wanted
    .given_away) is not stored: added to ``dropped``, if given.

    Each worker records the result of its message itself (the store taken by one thread at a
    time) before its next message can be accepted, in the transaction that stores that message
    (one commit per message), so a crash at any instant leaves at most one accepted-but-unrecorded
    message per connection (re-sent later with the same Message-ID), and no thread waits for
    another between two messages. The file transport, whose re-send of a message overwrites
    its file, stores and records :data:`FILE_BATCH` messages per commit instead (see Line).
    A worker with nothing to send next records at once. ``stop`` (SIGTERM, Ctrl-C) lets each
    worker finish the message whose data has ended; one still on its way is withdrawn before its
    end (the connection closed: the server drops it), and it and the messages not tried yet stay
    queued, due as before. A KeyboardInterrupt (a second Ctrl-C) waits for no worker; each message
    whose data's end the server has and whose answer is not waited for (the calling thread's, the
    workers') is recorded as its answer lost (deferred: data_sent.UNANSWERED), not left queued
    as if never tried; the results the workers hold, not recorded yet, are recorded then too.

    On SQLite (SMTP, one connection or several), a message the server accepted is noted in the
    pass's journal (digest.deliver.journal) instead, before its connection takes the next, and
    the calling thread records those results in batches, in the transaction that stores the
    next new messages (:data:`STORE_BATCH` at most, stored as soon as a connection may want
    one; with one connection, as many as the maker has ready). A journal left by a pass that
    ended without recording it is recorded first (:func:`replay`). The per-message commit above
    is PostgreSQL's (and a pass's whose journal cannot be made).

    If the result of a message the server accepted cannot be recorded (the disk is full), the
    pass stops with :class:`DeliveryHalted` rather than leave it queued to be sent again:
    ``unrecorded`` (default: the note beside the database) remembers it, and every later pass
    records it first, refusing to send anything until that works.

    Each result is recorded at its own time (``clock``; default: ``now`` plus the time the
    pass has taken), so a retry waits its full delay after the failure, however long the pass.
    ``wall``: the time the messages' leases run on (the daemon's: the database server's when its
    machine's clock is off, as its readers' leases, digest.daemon.queue_due.send_due). ``on_server``: a
    time of this machine's clock as the database server's says it (default: as it is), for the
    messages' due times, written and judged (the daemon's and `digest send`'s: the server's clock's
    when the machine's is off, digest.daemon.clocks.on_server_clock), so that a message this
    machine queues or defers is due to every worker at its time; a message is claimed only if due
    still then (another worker may have tried and deferred it since it was found due). ``untried``:
    the stored messages a server deferred are left queued (`send --to-dir`: Outbox.due_ids).
    """
    policy = policy or RetryPolicy.from_config(config.delivery)
    limiter = limiter or RateLimiter(config.delivery.max_per_second)
    progress = progress or NO_PROGRESS
    outbox = Outbox(store)
    unrecorded = unrecorded if unrecorded is not None else Unrecorded(store.path)
    record_accepted(outbox, unrecorded)
    close_left()
    replay(outbox)
    on_server = on_server or (lambda at: at)
    ids = outbox.due_ids(on_server(now), users, untried)
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

    run = Pass(
        config, outbox, policy, limiter, circuit, Suppressions(store), unrecorded, progress, now, clock,
        lease_holder(me, lease, wall), rng, on_server, stop=stop or threading.Event(),
        dropped=[] if dropped is None else dropped, for_files=writes_files(sender),
    )  # fmt: skip
    guard = run.guard  # the store: one thread at a time (each transaction whole)
    work: queue.Queue[Any] = queue.Queue()  # messages (stored or new), in the order they are to go
    cap = QUEUED_PER_CONNECTION * len(factories)  # messages handed out ahead of the workers
    hungry = threading.Event()  # set by a worker when few messages are left in ``work``
    failures: list[BaseException] = []  # the workers'; raised by the calling thread
    # One connection: the calling thread sends itself, with no thread to hand each message to
    # (the messages are made ahead in another process). A sender that never waits for a server
    # (files) re-sends a message over the same file: it stores and records a batch at a time.
    inline = (
        Line(run, factories[0](), batch=FILE_BATCH if writes_files(sender) else 1)
        if len(factories) == 1
        else None
    )

    lines: list[Line] = []  # the workers'

    def worker(make: Callable[[], Any]) -> None:
        own = make()
        line = Line(run, own)
        lines.append(line)
        try:
            while True:
                try:
                    msg = work.get(timeout=IDLE_RECORD)
                except queue.Empty:
                    line.flush()  # nothing to send next: the result is recorded on its own
                    msg = work.get()
                if work.qsize() <= cap // 2:
                    hungry.set()
                if msg is _DONE:
                    break
                line.take(msg)
            line.flush()
        except BaseException as e:  # noqa: BLE001 - raised by the calling thread
            failures.append(e)
            run.halt.set()
            hungry.set()
        finally:
            if owned and hasattr(own, "close"):
                own.close()

    if not writes_files(sender):
        run.journal = Journal.open(store)  # what the server accepts: noted there, recorded in batches
    threads = [] if inline else [threading.Thread(target=worker, args=(f,), daemon=True) for f in factories]
    for t in threads:
        t.start()
    renewed = [time.monotonic()]

    def keep_lease() -> None:
        if time.monotonic() - renewed[0] > lease.total_seconds() / 4:  # still at it: keep the lease
            with guard:
                outbox.renew(me, wall() + lease)
            renewed[0] = time.monotonic()

    def hand(msg: OutboxMessage | NewMessage) -> bool:
        """Queue ``msg`` for the workers once they are short of work (or send it here, inline);
        False: the pass stops."""
        if inline is not None:
            inline.take(msg)
            keep_lease()
            return not run.stopping
        while True:
            if run.stopping:
                return False
            hungry.clear()
            if work.qsize() < cap:
                work.put(msg)
                return True
            hungry.wait(0.5)
            keep_lease()

    def stored(batch: list[NewMessage]) -> list[OutboxMessage]:
        """With the journal: one transaction records what the connections noted there and
        stores ``batch`` (the messages to send)."""
        noted = take_noted(run)
        try:
            return commit(run, noted, batch)
        except DeliveryHalted:  # noted beside the database and said: not again at the pass's end
            raise
        except BaseException:
            with run.noted_lock:  # not recorded: the pass's end tries again, or keeps the journal
                run.noted[:0] = noted
            raise

    def hand_all(batch: list[NewMessage]) -> bool:
        """Store ``batch`` and hand its messages over; False: the pass stops (the rest of the
        batch stays queued, due as before)."""
        return not (run.stopping or run.circuit.refused) and all(hand(msg) for msg in stored(batch))

    progress.start("sending", len(ids) + fresh_count)
    ended = False
    told = stop if isinstance(stop, Stop) else Stop()  # what a first signal's note says, from here on
    before, told.doing = told.doing, WRITING if writes_files(sender) else SENDING  # no server for files
    bulk = contextlib.ExitStack()  # checkpoints spaced out while the pass commits (restored at its end)
    try:
        with guard:  # the workers have started
            bulk.enter_context(
                spaced_checkpoints(store.db if store.dialect == SQLITE and not store.readonly else None)
            )
        # due still when claimed, on the server's clock (another worker may have deferred one since)
        pending = outbox.claiming(ids, me, wall, lease, cap, lambda: on_server(clock()), untried)
        while True:
            with guard:
                next_id = next(pending, None)
                msg = outbox.get(next_id) if next_id is not None else None
            if msg is None or (not skip_suppressed(run, msg) and not hand(msg)):
                break
            if len(run.noted) >= STORE_BATCH:
                stored([])
            keep_lease()
        if fresh is not None and not run.stopping:
            batch: list[NewMessage] = []
            ready = getattr(fresh, "poll", lambda: True)
            made = iter(fresh)
            try:
                for new in made:
                    if run.journal is None:  # each stored by the connection that sends it
                        if not hand(new):
                            break
                        continue
                    # stored a batch at a time: as soon as a connection may want one (several), or
                    # of what the maker has ready (one connection, which sends them itself)
                    batch.append(new)
                    if len(batch) >= STORE_BATCH or (inline is None and work.qsize() == 0) or not ready():
                        full, batch = batch, []
                        if not hand_all(full):
                            break
                else:
                    if batch:
                        hand_all(batch)
            finally:  # let go of here, not where the loop drops it: a second Ctrl-C while the maker is
                # stopped and waited for (ahead.Forked.close) is raised, where a finalizer only prints it
                getattr(made, "close", lambda: None)()
        ended = True
    finally:
        if not ended:
            run.halt.set()  # an error here (the producer's, Ctrl-C): the workers stop too
        if inline is not None:
            finish(inline, ended, owned)
        for _ in threads:
            work.put(_DONE)
        quit_now = isinstance(sys.exc_info()[1], KeyboardInterrupt)  # (a second) Ctrl-C: no wait
        try:  # nor in the wait: the lease and the database are given back, and what was noted recorded
            for t in () if quit_now else threads:
                while t.is_alive():
                    t.join(timeout=0.5 if ended else max(config.smtp.timeout, 1.0) * 2)
                    if not ended:
                        break
                    keep_lease()
            if run.journal is not None:
                record_noted(run, threads)
        finally:
            if isinstance(sys.exc_info()[1], KeyboardInterrupt):  # before the wait, or in it: the
                abandon(run, lines)  # messages whose answers the workers wait for, recorded so
            told.doing = before
            progress.finish()
            with contextlib.suppress(*db_errors(), StoreError), guard:  # else the lease runs out
                outbox.release(me)
            with contextlib.suppress(*db_errors(), StoreError), guard:
                bulk.close()
            # a connection's halt (the server accepted what cannot be recorded) is the error said,
            # whichever failed first: another connection's (the same lost database's), or this thread's
            halted = next((e for e in failures if isinstance(e, DeliveryHalted)), None)
            if halted is not None and not isinstance(sys.exc_info()[1], DeliveryHalted | KeyboardInterrupt):
                raise halted
    if failures:
        raise failures[0]
    if circuit.refused:  # our login, our sender or relaying: every other message would be refused alike
        raise stopped(run)
    return run.outcomes


IDLE_RECORD = 0.05  # s: a connection with no next message in that time records its result alone
FILE_BATCH = 64  # messages stored (and recorded) per commit by the file transport (see Line)
# With the journal: new messages stored (and results recorded) per commit, at most. Each commit
# writes the pages it changed to the log, the tables' and indexes' inner pages among them, again
# at every commit: 96 to a commit rather than 32 took 0.2 s of CPU and 0.27 s of wall time off a
# 10,000-reader send over 4 connections (benchmarks/bench_send.py's set-up, paired).
STORE_BATCH = 96
# Messages handed out ahead of each connection, at most (each ~50 KB: memory stays flat). The
# calling thread hands out nothing while it commits, and a commit now and then checkpoints the
# write-ahead log (~45 ms for 40 MB, see digest.checkpoints.spaced_checkpoints): the messages handed out
# carry the connections through it. With 4 per connection they ran dry at each checkpoint, and
# waited 1.1-1.3 s in all over a 10,000-reader send (benchmarks/bench_send.py's set-up); with 24, 0.16 s.
QUEUED_PER_CONNECTION = 24
