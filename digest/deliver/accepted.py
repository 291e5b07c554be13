"""Recording as sent what the server accepted but the database could not record
(digest.deliver.unrecorded's note, or a pass's journal: digest.deliver.journal): the first thing
every pass does, and what keeps delivery stopped while it cannot be done."""

from __future__ import annotations

import logging

from digest.db import SQLITE, db_errors
from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.unrecorded import Accepted, DeliveryHalted, Unrecorded, who_of
from digest.errors import StoreError

log = logging.getLogger("digest.deliver.unrecorded")  # its lines under the logger they had there


def record_accepted(outbox: Outbox, unrecorded: Unrecorded, *, sending: bool = True) -> None:
    """Record as sent what the server accepted in an earlier pass; refuse to go on until that works
    (and, before ``sending``, while the note of the next ones could not be written beside the
    database: `digest db migrate` sends nothing)."""
    pending = unrecorded.entries()
    if pending:  # first: while they cannot be recorded, that is what the user must know (DeliveryHalted)
        recorded = {a.outbox_id for a in mark_accepted(outbox, pending)}
        if recorded:
            n = len(recorded)
            log.warning("recorded %d digest(s) the server had accepted before delivery stopped", n)
        if before := [a for a in pending if a.outbox_id not in recorded]:  # the note is every process's
            log.info(
                "%d digest(s) the server had accepted before delivery stopped (%s) were recorded already: "
                "by another process that reads the same note (`digest send`, another worker), or by the "
                "halted pass itself at its end",
                len(before), who_of(before),
            )  # fmt: skip
        unrecorded.clear(pending)
    if sending:
        unrecorded.ready()


def mark_accepted(outbox: Outbox, accepted: list[Accepted], noted: str = "") -> list[Accepted]:
    """Record as sent, in one transaction, those of ``accepted`` still queued; those. If that
    cannot be written, delivery stays stopped: DeliveryHalted (``noted``: where they are noted)."""
    recorded: list[Accepted] = []
    try:
        with outbox.store.transaction():
            for a in accepted:
                try:
                    msg = outbox.get(a.outbox_id)
                except KeyError:
                    continue
                # read queued, it may be recorded by another process before this one's UPDATE runs
                if msg.status == QUEUED and outbox.mark_sent(msg, a.reply, a.at, in_transaction=True):
                    recorded.append(a)
    except (*db_errors(), StoreError) as e:
        who = who_of(accepted)
        message = (
            f"delivery is stopped: {len(accepted)} digest(s) the server accepted are still not recorded"
            f"{noted} ({who}): {e}. "
            + (
                f"Free space (or make {outbox.store.path} writable); nothing is sent until then."
                if outbox.store.dialect == SQLITE
                else "Nothing is sent from here until the database answers again."
            )
        )
        log.critical(message)
        raise DeliveryHalted(message) from None
    return recorded
