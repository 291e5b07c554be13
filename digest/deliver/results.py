"""A sent message's result written to the outbox (inside the transaction that records it:
digest.deliver.commits.commit): sent (its papers recorded as sent to the reader), deferred with a
backoff, failed for good (a bounce suppresses the address), or not tried (a suppressed
address); and the :class:`SendOutcome` a pass reports for it. What recording a result says
(sent, deferred, failed, suppressed) is logged once its transaction has committed (:class:`Said`).

What a result means for the message:
  250                         sent; its papers are recorded as sent, in the same transaction
  4xx, hang-up, timeout,      deferred: tried again after a backoff doubling from retry_first_seconds
  no connection               (jittered, at most retry_max_seconds) for retry_for_hours; then failed
  5xx                         failed for good with the server's reply; its papers are free again
  5xx for the address         the same, and the address suppressed: no more digests to it, nor
                              attempts of what else waits for it (deliver.suppressions)
  5xx of us (sender, relay)   deferred, nobody suppressed, at RCPT or after DATA (not a refusal
                              of the message's content); at MAIL FROM, or for 3 recipients in a
                              row before any was taken, the pass stops (deliver.refusals)
  bare 5.7.x (at RCPT or      of us, unless it comes again after a first that came alone (the server
  after DATA)                 took our mail before and after it): then failed for good,
                              nobody suppressed (refused_alone_before)
  5.7.13 account disabled     at AUTH or MAIL FROM ours (the pass stops); at RCPT or after DATA of
                              us (it waits), unless it comes again after a first that came alone:
                              then the address's, a bounce (refused_alone_before)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.db import retrying_conflicts
from digest.deliver.alone import refused_alone
from digest.deliver.held_said import reply_said, retry_said, waits_until
from digest.deliver.outbox import Outbox, OutboxMessage
from digest.deliver.replies import disabled, vague
from digest.deliver.suppressions import until_released
from digest.deliver.transports import SendResult
from digest.deliver.wanted import READDRESSED, hold_names, readdressed
from digest.files import counted

if TYPE_CHECKING:
    from digest.deliver.lines import Pass

log = logging.getLogger(__name__)
WAITS = "digest to %s <%s> %s: %s"  # deferred until <its retry>, or what else held it (held_said)


Say = Callable[..., None]  # logging.Logger.log's signature: (level, message, *args)


class Said:
    """The lines a transaction recording results has to log, logged once it has committed: a
    transaction tried again (digest.deliver.commits.commit) says each once, and a message is said
    sent only once that is recorded (if it cannot be, digest.deliver.unrecorded says so)."""

    def __init__(self) -> None:
        self._lines: list[tuple[int, str, tuple[object, ...]]] = []

    def __call__(self, level: int, message: str, *args: object) -> None:
        self._lines.append((level, message, args))

    def clear(self) -> None:
        """Forget what a transaction rolled back had to say."""
        self._lines.clear()

    def out(self) -> None:
        for level, message, args in self._lines:
            log.log(level, message, *args)
        self._lines.clear()


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
    held: bool = False  # not offered to the server: no longer wanted since made (digest.deliver.wanted)


def record(
    run: Pass, msg: OutboxMessage, result: SendResult, at: dt.datetime, say: Say = log.log
) -> SendOutcome:
    """A result written (inside a transaction); its SendOutcome. ``say``: where its line goes
    (a :class:`Said`, logged once the transaction commits)."""
    outbox, policy = run.outbox, run.policy
    papers = len(msg.paper_ids)
    retry_at = None
    reply = result.reply
    if result.account and refused_alone_before(run, msg, disabled):
        result = dataclasses.replace(result, ours=False, bounce=True)  # the address's: SendResult.account
    final = result.final or (result.vague and refused_alone_before(run, msg))
    if result.ok:
        outbox.mark_sent(msg, reply, at, in_transaction=True)
        say(logging.INFO, "digest sent to %s <%s>: %s", msg.user, msg.recipient, counted(papers, "paper"))
    elif not final and (
        # on the database server's clock (when the machine's is off): the retry time, stored and said
        # as `digest status` says it, and the give-up, from the message's queueing on that clock
        retry_at := policy.next_attempt(msg.attempts + 1, queued_since(run, msg), run.on_server(at), run.rng)
    ):
        outbox.mark_retry(msg, reply, at, retry_at, in_transaction=True)
        waits = waits_until(reply, retry_said(retry_at))  # "deferred until ..."
        say(logging.WARNING, WAITS, msg.user, msg.recipient, waits, reply_said(reply))
    else:
        if not final:  # a passing failure, or a refusal of us (see SendResult.ours)
            reply = f"gave up after {msg.attempts + 1} attempts over {policy.for_hours:g} hours: {reply}"
        reader = outbox.mark_failed(msg, reply, at, in_transaction=True)  # (moved aside meanwhile?)
        say(logging.ERROR, "digest to %s <%s> failed: %s", msg.user, msg.recipient, reply)
        if result.bounce:  # (a 5.7.13 may become one only here: the pass is told so here)
            run.suppressions.add(reader, msg.recipient, reply, at)
            run.bounced.set()
            line = "address <%s> of %s suppressed: no more digests to it %s"  # and what lifts it
            say(logging.ERROR, line, msg.recipient, msg.user, until_released(reader))
    return SendOutcome(
        msg.user, msg.recipient, papers, msg.message_id, result.ok, reply, retry_at, result.unreachable
    )


def queued_since(run: Pass, msg: OutboxMessage) -> dt.datetime:
    """When ``msg`` was queued on the database server's clock, which its give-up runs from. A message
    queued before schema 35 has only its created_at, a time of its maker's clock: taken as this
    machine's (the release before judged it against this machine's time), so a digest its maker
    5 min behind made and tries again keeps its whole window, as before the upgrade."""
    return msg.queued_on_server or run.on_server(msg.created_at)


def refused_alone_before(run: Pass, msg: OutboxMessage, refused_so: Callable[[str], bool] = vague) -> bool:
    """Was ``msg`` refused so before (its last reply a bare policy refusal: :func:`vague`; or, as
    ``refused_so`` says, a 5.7.13: SendResult.account), alone: the server taking messages of
    ours before and after it (digest.deliver.alone)? Then a refusal of ``msg`` at RCPT
    or after DATA that is of us only by its policy code (a bare 5.7.1: SendResult.vague) is of
    that message alone: permanent (RFC 5321), it fails now rather than be sent again for
    ``delivery.retry_for_hours``. A first such refusal waits, even from a server that took our
    mail before it: a server may turn to refuse every message of ours mid-pass (our account's
    threshold reached), or take back a refusal (greylisting in a 5xx); such refusals in a row,
    the server taking nothing, stop the pass (pacing.Circuit). Nor is that the server took our
    mail in this pass enough: a relay whose quota ran out takes a few at the next hour, then
    refuses the rest again, each among others refused alike."""
    if not (msg.attempts and msg.last_error and refused_so(msg.last_error)):
        return False
    return refused_alone(run.outbox.db, msg.id)


def suppressed(
    outbox: Outbox,
    msg: OutboxMessage,
    why: str,
    now: dt.datetime,
    say: Say = log.log,
    grace_lasts: bool = False,
) -> SendOutcome:
    """A message no longer wanted (inside a transaction): to a suppressed address, or to a reader
    paused since it was made (``why``: digest.deliver.wanted); failed without an attempt. One held
    for its reader's new address reopens its period (digest.deliver.wanted.readdressed; made again
    today if ``grace_lasts``: Pass.grace_lasts)."""
    if why.startswith(READDRESSED):  # the period's row first, as queueing takes them
        end = readdressed(outbox.store, msg.user, msg.period, msg.message_id, grace_lasts)
        why = f"{why} ({end})"
    reply = f"not tried: {why}"
    outbox.mark_failed(msg, reply, now, in_transaction=True, attempted=False)
    say(logging.WARNING, "digest to %s <%s> not sent: %s", msg.user, msg.recipient, reply)
    return SendOutcome(msg.user, msg.recipient, len(msg.paper_ids), msg.message_id, False, reply, held=True)


def skip_suppressed(run: Pass, msg: OutboxMessage) -> bool:
    """Is ``msg`` (stored) no longer wanted: to a suppressed address, or its reader paused since
    (digest.deliver.wanted)? Then it is recorded as failed, not tried: one transaction (the reader's
    name held first, shared, as digest.deliver.lines holds it), tried again after a short pause if
    PostgreSQL ends it to undo a deadlock (its line said once, after the commit)."""
    with run.guard:
        why = run.why_not(msg)
        if why is None:
            return False
        said = Said()

        def write() -> SendOutcome:
            said.clear()
            with run.outbox.store.transaction():
                # the reader's name first, shared, as a pass recording results holds it: a digest of
                # theirs being stored meanwhile (its window read with this one waiting) is then
                # stored before this failure or sees it (Outbox.enqueue's ``window``)
                hold_names(run.outbox.store, [msg.user], share=True)
                return suppressed(run.outbox, msg, why, run.now, said, run.grace_lasts(msg))

        outcome = retrying_conflicts(write, f"recording {msg.message_id} as not sent")
        said.out()
    run.outcomes.append(outcome)
    run.progress.advance()
    return True
