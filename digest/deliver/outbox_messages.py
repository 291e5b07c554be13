"""The outbox's messages as the code passes them around: one made, not stored yet (NewMessage,
what digest.deliver.outbox.Outbox.add stores), and one stored, with its bytes (OutboxMessage)
or without them (OutboxEntry: what `digest status` shows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    message_id: str
    user: str
    recipient: str
    period: str | None
    subject: str
    mime: bytes
    paper_ids: tuple[int, ...]
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime  # on the clock of the machine that made it (what `digest status` says)
    sent_at: dt.datetime | None
    # created_at on the database server's clock, which its give-up runs from (None: queued before
    # schema 35; digest.deliver.results.queued_since)
    queued_on_server: dt.datetime | None = None


@dataclass(frozen=True)
class NewMessage:
    """A message made by this process, not stored yet: what :meth:`Outbox.add` stores."""

    user: str
    recipient: str
    message_id: str
    subject: str
    mime: bytes
    paper_ids: tuple[int, ...]
    period: str | None = None  # the schedule period it is for: stored with it, marked done
    through: int | None = None  # the newest paper when its digest was chosen
    backstop: bool = True  # the period's one digest: not stored if it has one (False: `send --force`)
    packed: bytes | None = None  # ``pack(mime)``, if the maker made it already (else the outbox does)
    window: tuple[int | None, tuple[int, ...]] | None = None  # its digest's, as read (Digest.window)


@dataclass(frozen=True)
class OutboxEntry:
    """A message's state without its bytes: what `digest status` shows."""

    id: int
    message_id: str
    user: str
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    claimed_by: str | None = None  # the worker holding it (PostgreSQL: several workers)...
    claimed_until: dt.datetime | None = None  # ...until then (the database server's clock)
    for_files: bool | None = False  # made by a send that writes files (schema 37; None: queued before it)
