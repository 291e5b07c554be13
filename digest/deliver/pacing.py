"""The pace of a delivery pass: when to retry, how fast to send, when to stop knocking."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from digest.config import DeliveryConfig
from digest.deliver.replies import STOPPED_FOR_PASS, TIMED_OUT_IN_A_ROW
from digest.deliver.transports import SendResult

log = logging.getLogger(__name__)


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


class Circuit:
    """Stop knocking for this pass once every connection has failed to reach the server, or
    once the server has timed out mid-transaction ``timeouts`` times in a row (a server that
    hangs after DATA would otherwise cost a timeout per message: hours for a thousand readers).

    Stop at once when the server refuses us rather than a reader: our login (535), our sender
    (a 5xx at MAIL FROM), or relaying: :data:`BLANKET` different recipients in a row refused at
    RCPT, or their messages after DATA, as a refusal of us (a 5.7.x: "Relaying denied", "sender
    not authorized", DMARC), before the server has taken any message of this pass (``relayed``).
    Each of those waits anyway (deferred, nobody suppressed); stopping spares the server a
    thousand more refusals. A server that has taken one message of the pass relays for us: its
    refusals of us are then of single recipients (a policy of theirs), and the pass goes on to
    the others."""

    def __init__(self, limit: int, timeouts: int) -> None:
        self.limit, self.failures, self.reply = limit, 0, ""
        self.timeouts_limit, self.timeouts = timeouts, 0
        self.refused = False
        self.login = False  # refused: our login (else our sender, or relaying)
        self.relayed = False  # refused: relaying, BLANKET recipients in a row before any was taken
        self.taken = False  # the server took a message in this pass: it relays for us
        self.streak: set[str] = set()  # the recipients refused as a refusal of us, in a row
        self.stages: set[str] = set()  # where those refusals came: RCPT, DATA
        self.lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= self.limit or self.timeouts >= self.timeouts_limit or self.refused

    def record(self, result: SendResult, recipient: str = "") -> None:
        with self.lock:
            self.taken = self.taken or result.ok
            if result.relay_refused and not self.taken:
                self.streak.add(recipient)
                self.stages.add(result.stage)
                if len(self.streak) >= BLANKET and not self.refused:
                    self.refused, self.relayed, self.reply = True, True, result.reply
            elif result.ok or (result.permanent and not result.relay_refused):  # a 4xx keeps the streak
                self.streak.clear()
                self.stages.clear()
            if result.login_refused or result.sender_refused:  # no other connection will fare better
                if not self.refused:
                    self.refused, self.login, self.reply = True, result.login_refused, result.reply
            elif result.unreachable:
                self.failures += 1
                self.reply = self.reply if self.refused else result.reply  # the refusal is the news
            elif result.timed_out:
                self.timeouts += 1
                if not self.refused:
                    self.reply = in_a_row(result.reply, self.timeouts)
            else:
                self.failures = self.timeouts = 0


# Different recipients refused as a refusal of us (5.7.x) at RCPT or after DATA, in a row, before
# the server took any message of the pass, that stop it: the relay refuses us, not them.
BLANKET = 3


def in_a_row(reply: str, times: int) -> str:
    """A pass stopped after ``times`` timeouts in a row, the last said ``reply`` ("the server timed
    out during RCPT"): the count after "timed out", before where it was, as other failures in a row
    are said ("the server timed out twice in a row during RCPT; stopped for this pass", "3 times in
    a row" with three connections; README's "A server that hangs" says "twice"). Not why the last
    ended there (after DATA's ": no answer ..., so it may have taken it"): said of the digests not
    offered, it is not theirs."""
    head, during, where = reply.partition(" during ")
    where = where.partition(": ")[0]
    count = "twice" if times == 2 else f"{times} times"
    return f"{head} {count} {TIMED_OUT_IN_A_ROW}{during}{where}{STOPPED_FOR_PASS}"
