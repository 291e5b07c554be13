"""Into the outbox: each digest prepared and stored (its exact bytes) before any attempt to send it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.deliver.delivery import Sender, SenderFactory, SendOutcome, deliver_due
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.models import Digest
from digest.store import Store

log = logging.getLogger(__name__)

QUEUE_BATCH = 100  # messages stored per transaction


def queue_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    now: dt.datetime,
    renderer: Renderer | None = None,
    failures: list[SendOutcome] | None = None,
) -> list[str]:
    """Render each non-empty digest and store it in the outbox; returns the Message-IDs.

    A digest whose message cannot be built is left out (logged, and listed in ``failures``
    if given): one reader's failure, everybody else is queued."""
    renderer = renderer or Renderer(config.templates)
    outbox = Outbox(store)
    queued: list[str] = []
    batch: list[Outgoing] = []

    def flush() -> None:
        with store.transaction():  # nothing is sent before this commits: a crash loses nothing
            for out in batch:
                enqueue(outbox, out, now)
        queued.extend(out.message_id for out in batch)
        batch.clear()

    suppressions = Suppressions(store)
    for digest in digests:
        if not digest.matches or digest.profile.paused:  # paused: unsubscribed, gets nothing
            continue
        if suppressions.blocking(digest.profile) is not None:  # a hard bounce: no more mail
            continue
        try:
            out = prepare(config, digest, renderer, now)
            out.data  # noqa: B018 - built now: a message that cannot be built is this reader's failure
        except Exception as e:  # noqa: BLE001 - one reader's message must not stop the others
            profile = digest.profile
            error = f"cannot build the message: {type(e).__name__}: {e}"
            log.error("digest for %s not queued: %s", profile.user, error)
            if failures is not None:
                papers = len(digest.matches)
                failures.append(SendOutcome(profile.user, profile.email, papers, "", False, error))
            continue
        batch.append(out)
        if len(batch) >= QUEUE_BATCH:
            flush()
    if batch:
        flush()
    return queued


def enqueue(outbox: Outbox, out: Outgoing, now: dt.datetime, period: str | None = None) -> int:
    """Store a prepared message in the outbox (as the CRLF bytes SMTP will carry)."""
    return outbox.enqueue(
        user=out.digest.profile.user,
        recipient=out.digest.profile.email,
        message_id=out.message_id,
        subject=out.rendered.subject,
        mime=out.data,
        paper_ids=out.digest.paper_ids,
        now=now,
        period=period,
        through=out.digest.through,
    )


def send_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    renderer: Renderer | None = None,
) -> list[SendOutcome]:
    """Queue the digests, then deliver whatever is due for their readers (older retries too).

    ``sender``: a sender, a factory of senders (one per connection), or None for the
    configured transport (see digest.delivery.deliver_due)."""
    failures: list[SendOutcome] = []
    queue_digests(config, store, digests, now, renderer, failures)
    return failures + deliver_due(config, store, sender, now, users=[d.profile.user for d in digests])
