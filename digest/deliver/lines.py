"""One connection of a delivery pass: its messages stored (if new) and sent, one at a time, each
result recorded in the transaction that stores (or takes up) the connection's next message.

A message the server has accepted is recorded before the connection's next message can be
accepted, so a crash at any instant repeats at most one message per connection; the record
and the storing of the next message share one commit (one commit per message, not two). Over
SMTP that commit is made while the server takes the next message's data, before the data's
end (the last moment before the server can accept it), so the writing overlaps the server's
work instead of holding up the connection. A result also gets its own commit when its
connection has nothing more to send (the pass ends, stops, or the connection waits for
work), so it does not stay unrecorded for long.

A sender for which a second send of the same stored message is the same message (the file
transport: a message is the file named after its Message-ID, which a re-send overwrites with
the same bytes) takes its messages in batches instead (``batch``): one transaction records
the results of the last batch and stores the next, whose messages are then sent. A crash
leaves the batch's messages stored and unrecorded, and they are written again, over
themselves: nothing is delivered twice, with one commit per batch rather than per message.

With the pass's journal (SMTP on SQLite, one connection or several: digest.deliver.journal), a
connection commits nothing for a message the server accepted: it appends it to the journal
before it takes its next message (:meth:`Line._send_noted`), and the calling thread records
those results in batches (digest.deliver.commits.commit; digest.deliver.noted). Any other result (a deferral,
a refusal, a bounce) is still recorded at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from digest.config import Config
from digest.db import POSTGRESQL
from digest.deliver.commits import commit
from digest.deliver.data_sent import UNANSWERED, WITHDRAWN, Unanswered
from digest.deliver.file_transport import FileSender
from digest.deliver.halt import stop_delivery
from digest.deliver.journal import Journal
from digest.deliver.outbox import NewMessage, Outbox, OutboxMessage
from digest.deliver.pacing import Circuit, RateLimiter, RetryPolicy
from digest.deliver.replies import INTERNAL_ERROR
from digest.deliver.results import SendOutcome, skip_suppressed
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, SendResult, SmtpSender
from digest.deliver.unrecorded import Accepted, DeliveryHalted, Unrecorded
from digest.deliver.wanted import GivenAway, StillWanted
from digest.progress import Progress

log = logging.getLogger(__name__)


Held = tuple[OutboxMessage, SendResult, dt.datetime]  # a result not recorded yet, and its time


@dataclass
class Pass:
    """What the connections of one delivery pass share (the store taken by one at a time: ``guard``)."""

    config: Config
    outbox: Outbox
    policy: RetryPolicy
    limiter: RateLimiter
    circuit: Circuit
    suppressions: Suppressions
    unrecorded: Unrecorded
    progress: Progress
    now: dt.datetime
    clock: Callable[[], dt.datetime]
    holder: Callable[[], tuple[str, dt.datetime]]  # (worker, lease end) for a message stored now
    rng: random.Random | None = None
    on_server: Callable[[dt.datetime], dt.datetime] = lambda at: at  # due times: deliver_due's
    wanted: StillWanted | None = None  # is a message still wanted (default: made in __post_init__)
    guard: threading.Lock = field(default_factory=threading.Lock)
    journal: Journal | None = None  # noted there: what the server accepted (see _send_noted)
    noted: list[Held] = field(default_factory=list)  # noted in the journal, not recorded yet
    noted_lock: threading.Lock = field(default_factory=threading.Lock)
    halt: threading.Event = field(default_factory=threading.Event)  # a connection failed: stop
    stop: threading.Event = field(default_factory=threading.Event)  # asked to stop (SIGTERM)
    bounced: threading.Event = field(default_factory=threading.Event)  # an address was suppressed
    outcomes: list[SendOutcome] = field(default_factory=list)  # in the order recorded
    dropped: list[GivenAway] = field(default_factory=list)  # new digests a removed reader's: not stored
    for_files: bool = False  # the pass writes files: the messages it makes are stored so (Outbox.add)

    def __post_init__(self) -> None:
        if self.wanted is None:
            self.wanted = StillWanted(self.config, self.suppressions, self.now)

    def why_not(self, msg: OutboxMessage) -> str | None:
        """Why ``msg`` must not go out now (digest.deliver.wanted), if so; the store taken."""
        assert self.wanted is not None
        return self.wanted.why_not(msg.user, msg.recipient, msg.created_at)

    def grace_lasts(self, msg: OutboxMessage) -> bool:
        """Held for a new address (:meth:`why_not`), would ``msg``'s period be made again today?"""
        assert self.wanted is not None
        return self.wanted.grace_lasts(msg.user, msg.period)

    @property
    def stopping(self) -> bool:
        return self.halt.is_set() or self.stop.is_set()


class Line:
    """One connection (one sender) and the results of its last messages, until they are recorded.

    ``batch``: messages taken before they are stored and sent (1, unless a re-send of a message
    cannot deliver it twice: see the module's docstring)."""

    def __init__(self, run: Pass, sender: Any, batch: int = 1) -> None:
        self.run, self.sender, self.batch = run, sender, batch
        self.held: list[Held] = []  # results not recorded yet (at most one, unless batched)
        self.taken: list[OutboxMessage | NewMessage] = []  # not stored or sent yet (fewer than batch)
        self.flight: OutboxMessage | None = None  # stored, its data's end with the server, not answered
        self.lost: OutboxMessage | None = None  # the flight a command quitting at once recorded (give_up)
        self.given_up = False  # a command quitting at once took this connection's results (give_up)
        # ``held`` changed under it, and ``flight`` ended with its answer held: a command quitting at
        # once takes what this connection holds and waits for (:func:`~digest.deliver.line_ends.abandon`),
        # not what its thread is recording (:meth:`_commit`), nor an answer it holds as well
        self.lock = threading.Lock()
        self.committing = threading.Lock()  # held over a commit: one under way is waited for (give_up)

    def take(self, item: OutboxMessage | NewMessage) -> None:
        """Send ``item`` (a stored message, or a new one: stored first), after recording the
        previous result of this connection in the same transaction (batched: once ``batch``
        messages are taken). Nothing is sent once the pass stops; a new message is then not
        stored either."""
        if self.run.stopping or self.run.circuit.refused:
            self.flush()
            return
        if self.run.journal is not None and isinstance(item, OutboxMessage):
            self._send_noted(item)
            return
        self.taken.append(item)
        if len(self.taken) >= self.batch:
            self._send_taken()

    def flush(self) -> None:
        """Send what was taken (unless the pass stops), then record the held results now, in a
        transaction of their own (if there are any)."""
        if self.taken and not (self.run.stopping or self.run.circuit.refused):
            self._send_taken()
        self.taken.clear()
        if self.held:
            self._commit([])

    def _send_taken(self) -> None:
        items, self.taken = self.taken, []
        # a stored message is checked (still this worker's?) in the commit before it goes, on
        # PostgreSQL, where another worker may have taken it over (Outbox.hold)
        claims = self.run.outbox.store.dialect == POSTGRESQL
        stored = any(isinstance(i, NewMessage) for i in items) or self.held or claims
        if stored and len(items) == 1 and isinstance(self.sender, SmtpSender) and self._may_overlap():
            self._send_overlapped(items[0])
            return
        for msg in self._commit(items) if stored else items:
            if self.run.stopping or self.run.circuit.refused:
                break  # stored, not tried: it stays queued, due as before
            self._send(msg)  # type: ignore[arg-type]

    def _may_overlap(self) -> bool:
        """May the next message go out before its commit tells whether it is to be sent? Not
        when that commit may say no for a known reason: the circuit is open, or an address
        bounced in this pass (the commit then checks the suppressions: a suppressed address
        must not even see RCPT again). A period served meanwhile by another worker, or a stop,
        is told by the commit alone: the message is then withdrawn before its data's end."""
        run = self.run
        return not (run.circuit.open or run.bounced.is_set() or any(one[1].bounce for one in self.held))

    def _send_overlapped(self, item: OutboxMessage | NewMessage) -> None:
        """Send one message, its commit (this one stored, the previous result recorded) made
        while the server takes its data: before the data's end, so the previous message is
        still recorded before this one can be accepted."""
        run = self.run
        committed: list[OutboxMessage] | None = None
        failed: list[BaseException] = []

        def ready() -> bool:
            nonlocal committed
            try:
                committed = self._commit([item])
            except BaseException as e:
                failed.append(e)
                raise
            go = bool(committed) and not (run.stopping or run.circuit.refused)
            return self._in_flight(committed[0] if go else None)

        try:
            result = self._hand_over(item, ready, failed)
        except Unanswered as e:  # quit at once, the data's end sent: stored (ready ran), recorded so
            if committed:
                self._result(committed[0], e.result)
            self.flight = None
            raise
        except BaseException:
            self.flight = None
            raise
        at = run.clock()  # when the server answered, not after a commit: see digest.deliver.alone
        if committed is None:  # the transaction ended before the data's end: stored now (no flight)
            committed = self._commit([item])
        if not committed or result is WITHDRAWN:
            self.flight = None
            return  # not stored (the period has a digest, the address is suppressed), or the pass stops
        self._result(committed[0], result, at)  # the flight ended there

    def _send(self, msg: OutboxMessage, ready: Callable[[], bool] | None = None) -> None:
        """Send one stored message; its result is held until the next commit (none if
        ``ready`` withdrew it: see SmtpSender.send)."""
        run = self.run
        if run.circuit.open:
            refused = SendResult(False, f"not tried: {run.circuit.reply}", unreachable=True)
            self.held.append((msg, refused, run.clock()))
            return
        # no word before the data's end: taken as with the server from the start, unless a command
        # quitting at once took this connection's results (then withdrawn, untried: it stays queued)
        if ready is None and not self._in_flight(msg):
            return
        try:
            result = self._hand_over(msg, ready)
        except Unanswered as e:  # quit at once, the data's end sent: recorded as its answer lost
            self._result(msg, e.result)  # the flight ended there
            raise
        except BaseException:
            self.flight = None
            raise
        if result is WITHDRAWN:
            self.flight = None
        else:
            self._result(msg, result)  # the flight ended there

    def _in_flight(self, msg: OutboxMessage | None) -> bool:
        """``msg`` (None: none) the message whose data's end goes to the server now (a ``ready``'s
        word, or a message sent whole, before it begins): not once a command quitting at once took
        what this connection has (:meth:`give_up`, under the same lock: one or the other), as it may
        have, its thread paused since it found the pass not stopping. The command recorded nothing
        of it: it is withdrawn, and stays queued (sent, the server would take it, nothing record
        it, and the next send send it again, unsaid)."""
        with self.lock:
            self.flight = None if self.given_up else msg
            return self.flight is not None

    def _hand_over(
        self,
        item: OutboxMessage | NewMessage,
        ready: Callable[[], bool] | None = None,
        failed: list[BaseException] | None = None,
    ) -> SendResult:
        """``item`` to the sender, at the limiter's pace (``ready``: see SmtpSender.send). A bug
        in one send must not lose the others: it becomes the message's result, unless it is the
        commit's own error (in ``failed``), which stops the pass."""
        self.run.limiter.wait()
        sender = self.run.config.smtp.sender
        envelope = Envelope(
            item.message_id, item.user, sender, item.recipient, item.mime, len(item.paper_ids)
        )
        try:
            # only an SmtpSender takes ``ready``; other senders (files) are called as before
            return self.sender.send(envelope) if ready is None else self.sender.send(envelope, ready=ready)
        except Exception as e:  # noqa: BLE001 - see above
            if failed:
                raise
            log.exception("sending %s failed unexpectedly", item.message_id)
            return SendResult(False, f"{INTERNAL_ERROR}{type(e).__name__}: {e}")

    def _result(self, msg: OutboxMessage, result: SendResult, at: dt.datetime | None = None) -> None:
        """A sent message's result (answered ``at``: now if not said), held until the next commit;
        its flight ended with it, at once (:meth:`give_up` takes one or the other). Not held if a
        command quitting at once recorded it as its answer lost meanwhile, unless the server
        accepted it: one try is one attempt, and an accepted message is never sent again."""
        run = self.run
        at = at or run.clock()
        run.circuit.record(result, msg.recipient)
        if result.ok:
            run.limiter.succeeded()
        elif result.throttled:
            run.limiter.throttled()
        with self.lock:
            self.flight = None
            if result.ok or msg is not self.lost:
                self.held.append((msg, result, at))

    def give_up(self) -> list[Held]:
        """The results this connection holds, taken by a command quitting at once to record them
        itself (digest.deliver.line_ends.abandon, holding ``committing`` until it has recorded them):
        not those its thread is recording, whose commit is waited for (the command waits for the
        database as it gives its lease back all the same):
        recorded once, by that commit, or held again where it failed, and taken then. Not waited
        for, a commit paused between two tries (PostgreSQL ending a transaction for a deadlock, then
        trying again) would leave its results to a thread the exiting command never lets finish.

        With them, the message whose answer the thread waits for, if any, as its answer lost
        (:data:`UNANSWERED`, as the calling thread's own: digest.deliver.data_sent.Unanswered), in
        the same hold of the lock as its answer's: an answer in at that instant is either held (and
        taken here) or comes later, and is then not held as a second attempt of the same try, unless
        the server accepted the message (:meth:`_result`). Not a file being written: no server may
        have it, and the next send writes it again, the same file (it stays queued)."""
        with self.lock:
            self.given_up = True
            held, self.held = self.held, []
            if self.flight is not None and not isinstance(self.sender, FileSender):
                held.append((self.flight, UNANSWERED, self.run.clock()))
                self.lost = self.flight
            self.flight = None
        return held

    def _commit(self, items: list[OutboxMessage | NewMessage]) -> list[OutboxMessage]:
        """One transaction: the held results recorded, the new ones of ``items`` stored
        (digest.deliver.commits.commit). Returns the messages to send. The held results are this
        thread's while it records them: a command quitting at once meanwhile does not record them
        again (:meth:`give_up`); they are held again if they could not be recorded."""
        with self.committing:
            with self.lock:
                held, self.held = self.held, []
            try:  # once given up, no message stored or held again: the lease is given back next
                return commit(self.run, held, [] if self.given_up else items)
            except DeliveryHalted:  # what was accepted is noted and said: not again at the pass's end
                self._hold_again([one for one in held if not one[1].ok])
                raise
            except BaseException:
                self._hold_again(held)
                raise

    def _hold_again(self, held: list[Held]) -> None:
        """``held`` not recorded: held again, before any result held since."""
        with self.lock:
            self.held[:0] = held

    def _send_noted(self, msg: OutboxMessage) -> None:
        """Send one stored message, with the pass's journal (digest.deliver.journal): if the
        server accepts it, it is noted there before this connection takes its next message,
        and recorded later in a batch (:attr:`Pass.noted`); any other result is recorded now.
        A message no longer wanted (an address suppressed, a reader paused since: see
        digest.deliver.wanted) is not tried: recorded so."""
        run = self.run
        if skip_suppressed(run, msg):
            return

        def ready() -> bool:  # asked to stop before the data's end: withdrawn (it stays queued)
            go = not (run.stopping or run.circuit.refused)
            return self._in_flight(msg if go else None)

        self._send(msg, ready if isinstance(self.sender, SmtpSender) else None)
        accepted = [one for one in self.held if one[1].ok]
        try:
            for m, result, at in accepted:
                run.journal.note(Accepted(m.id, m.user, m.recipient, result.reply, at, m.message_id))  # type: ignore[union-attr]
        except OSError as e:
            stop_delivery(run.outbox.store, run.unrecorded, list(self.held), e)  # raises
        with self.lock:
            self.held = [one for one in self.held if not one[1].ok]
        if accepted:
            with run.noted_lock:
                run.noted.extend(accepted)
        if self.held:
            self._commit([])
