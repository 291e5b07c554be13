"""What a delivery result means for its message, written to the store (inside a transaction)."""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from digest.deliver.outbox import Outbox, OutboxMessage
from digest.deliver.pacing import RetryPolicy
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import SendResult

log = logging.getLogger(__name__)


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


def suppressed(outbox: Outbox, msg: OutboxMessage, why: str, now: dt.datetime) -> SendOutcome:
    """A message to a suppressed address: failed without an attempt."""
    reply = f"not tried: address suppressed: {why}"
    with outbox.store.transaction():
        outbox.mark_failed(msg, reply, now, in_transaction=True, attempted=False)
    log.warning("digest to %s <%s> not sent: %s", msg.user, msg.recipient, reply)
    return SendOutcome(msg.user, msg.recipient, len(msg.paper_ids), msg.message_id, False, reply)


def record_result(
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
