"""Recording as sent what the server accepted but the database could not record
(digest.deliver.unrecorded's note, or a pass's journal: digest.deliver.journal): the first thing
every pass does, and what keeps delivery stopped while it cannot be done."""

from __future__ import annotations

import datetime as dt
import logging

from digest.db import SQLITE, db_errors, shown
from digest.deliver.outbox import FAILED, QUEUED, Outbox, OutboxMessage
from digest.deliver.unrecorded import Accepted, DeliveryHalted, Unrecorded, who_of
from digest.errors import StoreError
from digest.files import counted

log = logging.getLogger("digest.deliver.unrecorded")  # its lines under the logger they had there


def record_accepted(outbox: Outbox, unrecorded: Unrecorded, *, sending: bool = True) -> None:
    """Record as sent what the server accepted in an earlier pass; refuse to go on until that works
    (and, before ``sending``, while the note of the next ones could not be written beside the
    database: `digest db migrate` sends nothing)."""
    pending = unrecorded.entries()
    if pending:  # first: while they cannot be recorded, that is what the user must know (DeliveryHalted)
        marked, before = mark_accepted(outbox, pending)
        if marked:
            log.warning(
                "recorded %s the server had accepted before delivery stopped", counted(len(marked), "digest")
            )
        if before:  # the note is every process's
            log.info(
                "%s the server had accepted before delivery stopped (%s) %s recorded already: "
                "by another process that reads the same note (`digest send`, another worker), or by the "
                "halted pass itself at its end",
                counted(len(before), "digest"), who_of(before), "was" if len(before) == 1 else "were",
            )  # fmt: skip
        unrecorded.clear(pending)
    if sending:
        unrecorded.ready()


def mark_accepted(
    outbox: Outbox, accepted: list[Accepted], noted: str = ""
) -> tuple[list[Accepted], list[Accepted]]:
    """Record as sent, in one transaction, those of ``accepted`` still queued: those, and those
    found sent already. If that cannot be written, delivery stays stopped: DeliveryHalted
    (``noted``: where they are noted). Those marked failed since, or no longer in the outbox, are
    left as they are, and said (a warning): the outbox does not say they were delivered."""
    recorded: list[Accepted] = []
    sent: list[Accepted] = []
    failed: list[tuple[Accepted, str]] = []
    gone: list[Accepted] = []
    try:
        with outbox.store.transaction():
            for a in accepted:
                try:
                    msg = outbox.get(a.outbox_id)
                except KeyError:
                    gone.append(a)
                    continue
                if not _same(a, msg):  # its id another message's now: the database replaced
                    gone.append(a)
                    continue
                # read queued, another process may record it (sent, or failed) before this one's
                # UPDATE runs (PostgreSQL's READ COMMITTED): then it is what it is once that committed
                if msg.status == QUEUED:
                    if outbox.mark_sent(msg, a.reply, a.at, in_transaction=True, queued_only=True):
                        recorded.append(a)
                        continue
                    try:
                        msg = outbox.get(a.outbox_id)
                    except KeyError:
                        gone.append(a)
                        continue
                if msg.status == FAILED:
                    failed.append((a, msg.last_error or "no error kept"))
                else:
                    sent.append(a)
    except (*db_errors(), StoreError) as e:
        who = who_of(accepted)
        message = (
            f"delivery is stopped: {counted(len(accepted), 'digest')} the server accepted "
            f"{'is' if len(accepted) == 1 else 'are'} still not recorded"
            f"{noted} ({who}): {e}. "
            + (
                f"Free space (or make {outbox.store.path} writable); nothing is sent until then."
                if outbox.store.dialect == SQLITE
                else "Nothing is sent from here until the database answers again."
            )
        )
        log.critical(message)
        raise DeliveryHalted(message) from None
    for a, error in failed:  # a try after (another worker's, once its claim lapsed) failed for good
        log.warning(
            "the server accepted the digest to %s%s at %s (%s), but the outbox has it failed since (%s): "
            "left failed, so `digest status` lists it failed though it was delivered",
            who_of([a]), noted, f"{a.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC", a.reply, error,
        )  # fmt: skip
    if gone:  # no pass removes an outbox row: the database is another (replaced, restored from a copy)
        log.warning(
            "%s the server accepted%s (%s) %s not in the outbox of %s any more (not there, or another "
            "message at %s number): nothing recorded of %s (was the database replaced, or restored from a "
            "copy older than %s?)",
            counted(len(gone), "digest"), noted, who_of(gone), "is" if len(gone) == 1 else "are",
            shown(outbox.store.path), *(("its", "it", "it") if len(gone) == 1 else ("their", "them", "them")),
        )  # fmt: skip
    return recorded, sent


def _same(a: Accepted, msg: OutboxMessage) -> bool:
    """Is ``msg`` (at the note's outbox id) the message the server accepted? A database replaced (a
    fresh one, a copy restored) numbers its own messages from 1 again, and the note would record
    another message, never sent, as sent: its Message-ID tells, or, in a note an earlier release
    wrote (no Message-ID), its reader (the same reader's next digest there is not told apart)."""
    same = (msg.user, msg.recipient) == (a.user, a.recipient)
    return same and (not a.message_id or msg.message_id == a.message_id)
