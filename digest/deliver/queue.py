"""Into the outbox: each digest prepared and stored (its exact bytes) before any attempt to send it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.deliver.delivery import SendOutcome
from digest.deliver.outbox import NewMessage, Outbox, pack
from digest.deliver.suppressions import Suppressions
from digest.deliver.wanted import hold_names
from digest.errors import DigestError
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
    renderer = renderer or Renderer.for_config(config)
    outbox = Outbox(store)
    queued: list[str] = []
    batch: list[Outgoing] = []

    def flush() -> None:
        with store.transaction():  # nothing is sent before this commits: a crash loses nothing
            hold_names(store, sorted({out.digest.profile.user for out in batch}))  # (Outbox.enqueue)
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
            if failures is not None:
                failures.append(unbuilt(digest, e))
            else:
                unbuilt(digest, e)
            continue
        batch.append(out)
        if len(batch) >= QUEUE_BATCH:
            flush()
    if batch:
        flush()
    return queued


def enqueue(
    outbox: Outbox,
    out: Outgoing,
    now: dt.datetime,
    period: str | None = None,
    due: dt.datetime | None = None,
    for_files: bool = False,
) -> int:
    """Store a prepared message in the outbox (as the CRLF bytes SMTP will carry), due at ``due``
    (default ``now``: Outbox.enqueue); ``for_files``: to be written by the file transport."""
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
        due=due,
        window=out.digest.window,
        for_files=for_files,
    )


def made_ahead(
    config: Config,
    todo: Sequence[tuple[Digest, str | None]],
    renderer: Renderer,
    now: dt.datetime,
    failures: list[SendOutcome],
    *,
    backstop: bool = True,
) -> Iterator[NewMessage]:
    """Each digest's message (with the schedule period it is for), made when asked for: by the
    delivery's producer thread, while earlier messages are with the server. Nothing here
    touches the database. A digest whose message cannot be built is left out, logged and
    listed in ``failures``: one reader's failure, everybody else gets theirs. ``backstop``: each
    message is its period's one digest (see NewMessage; off for `send --force`)."""
    for digest, period in todo:
        try:
            message = new_message(prepare(config, digest, renderer, now), period, backstop=backstop)
        except Exception as e:  # noqa: BLE001 - one reader's message must not stop the others
            failures.append(unbuilt(digest, e))
            continue
        yield message


def unbuilt(digest: Digest, error: Exception) -> SendOutcome:
    """The failed outcome of a digest whose message cannot be built (logged)."""
    profile = digest.profile
    reply = unbuilt_reason(error)
    log.error("digest for %s not queued: %s", profile.user, reply)
    return SendOutcome(profile.user, profile.email, len(digest.matches), "", False, reply)


def unbuilt_reason(error: Exception) -> str:
    """Why a message cannot be built: a DigestError in its own words (a template of the user's
    folder: its file and line), anything else with its type (a bug to report)."""
    said = str(error) if isinstance(error, DigestError) else f"{type(error).__name__}: {error}"
    return f"cannot build the message: {said}"


def new_message(out: Outgoing, period: str | None = None, *, backstop: bool = True) -> NewMessage:
    """A prepared digest as the outbox stores it (its bytes built here, in the caller's thread,
    and compressed for the outbox here too: in the maker's process, beside the sending)."""
    data = out.data
    return NewMessage(
        user=out.digest.profile.user,
        recipient=out.digest.profile.email,
        message_id=out.message_id,
        subject=out.rendered.subject,
        mime=data,
        paper_ids=tuple(out.digest.paper_ids),
        period=period,
        through=out.digest.through,
        backstop=backstop,
        packed=pack(data),
        window=out.digest.window,
    )
