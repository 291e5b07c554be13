"""Into the outbox: each digest prepared and stored (its exact bytes) before any attempt to send it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.deliver.delivery import Sender, SenderFactory, SendOutcome, deliver_due
from digest.deliver.outbox import NewMessage, Outbox
from digest.models import Digest
from digest.progress import Progress
from digest.store import Store

QUEUE_BATCH = 100  # messages stored per transaction


def queue_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    now: dt.datetime,
    renderer: Renderer | None = None,
) -> list[str]:
    """Render each non-empty digest and store it in the outbox; returns the Message-IDs."""
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

    for digest in digests:
        if not digest.matches or digest.profile.paused:  # paused: unsubscribed, gets nothing
            continue
        batch.append(prepare(config, digest, renderer, now))
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
    )


def send_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    renderer: Renderer | None = None,
    progress: Progress | None = None,
) -> list[SendOutcome]:
    """Queue the digests and deliver them, with whatever else is due for their readers (older
    retries first). Each message is made while earlier ones are with the server, stored before
    it is handed over, and handed over from memory.

    ``sender``: a sender, a factory of senders (one per connection), or None for the
    configured transport (see digest.deliver.delivery.deliver_due)."""
    renderer = renderer or Renderer(config.templates)
    todo = [d for d in digests if d.matches and not d.profile.paused]  # paused: gets nothing
    fresh = (new_message(prepare(config, d, renderer, now)) for d in todo) if todo else None
    users = [d.profile.user for d in digests]
    return deliver_due(
        config, store, sender, now, users=users, fresh=fresh, fresh_count=len(todo), progress=progress
    )


def new_message(out: Outgoing, period: str | None = None) -> NewMessage:
    """A prepared digest as the outbox stores it (its bytes built here, in the caller's thread)."""
    return NewMessage(
        user=out.digest.profile.user,
        recipient=out.digest.profile.email,
        message_id=out.message_id,
        subject=out.rendered.subject,
        mime=out.data,
        paper_ids=tuple(out.digest.paper_ids),
        period=period,
    )
