"""A delivery's transaction (digest.deliver.lines): the results its connections hold recorded and
the new messages they take stored, in one commit, tried again when PostgreSQL ends it to undo a
deadlock; delivery stops if it cannot be written."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from digest.db import db_errors, retrying_conflicts
from digest.deliver.halt import stop_delivery
from digest.deliver.outbox import NewMessage, OutboxMessage
from digest.deliver.results import Said, SendOutcome, record, suppressed
from digest.deliver.wanted import GIVEN_AWAY, GivenAway, address_now, given_away, hold_names, note_given_away
from digest.errors import StoreError

if TYPE_CHECKING:
    from digest.deliver.lines import Held, Pass


def commit(run: Pass, held: list[Held], items: list[OutboxMessage | NewMessage]) -> list[OutboxMessage]:
    """One transaction (the store taken by this thread): the ``held`` results recorded, the new
    messages of ``items`` stored. Returns the messages to send (not: a new message whose period
    has a digest already, a stored one another worker took over, or one to a suppressed
    address). A transaction PostgreSQL ends to undo a deadlock (an ingest merging the papers of
    two messages this one records and holds) is tried again after a short pause, up to
    :data:`~digest.store.CONFLICT_TRIES` times in all, as an ingest's is. If it cannot be
    written, delivery stops (:func:`~digest.deliver.halt.stop_delivery`)."""
    said = Said()  # logged once committed: a transaction tried again says its lines once
    dropped: list[GivenAway] = []  # so too, told once committed

    def write() -> tuple[list[SendOutcome], int, list[OutboxMessage]]:
        said.clear()
        dropped.clear()
        with run.guard, run.outbox.store.transaction():
            return _write(run, held, items, said, dropped)

    try:
        outcomes, skipped, send = retrying_conflicts(write, "recording the delivery results")
    except (*db_errors(), StoreError) as e:
        stop_delivery(run.outbox.store, run.unrecorded, list(held), e)  # raises
        raise
    said.out()
    run.dropped.extend(dropped)
    if any(one[1].bounce for one in held):
        run.bounced.set()
    run.outcomes.extend(outcomes)
    run.progress.advance(len(outcomes) + skipped)
    return send


def _write(
    run: Pass, held: list[Held], items: list[OutboxMessage | NewMessage], said: Said, dropped: list[GivenAway]
) -> tuple[list[SendOutcome], int, list[OutboxMessage]]:
    """:func:`commit`'s transaction: (the outcomes recorded, how many of ``items`` are not sent
    here, the messages to send); what it has to log goes to ``said``, the new messages not stored
    as a removed reader's to ``dropped``."""
    outcomes: list[SendOutcome] = []
    skipped = 0  # not sent: a new message whose period has a digest already, a message taken over
    send: list[OutboxMessage] = []
    # the names of every message it records or stores first (held on PostgreSQL), then the outbox
    # rows: the order of a look moving a removed reader's rows aside (digest.daemon.names), so
    # neither waits for the other holding a row the other wants (a deadlock); not shared when it
    # stores a digest: a failure of one of the reader's digests, recorded by another worker, is
    # then recorded before it or after (Outbox.enqueue's ``window``)
    share = not any(isinstance(i, NewMessage) for i in items)
    hold_names(run.outbox.store, sorted({one[0].user for one in held} | {i.user for i in items}), share=share)
    new = [(i.user, i.recipient) for i in items if isinstance(i, NewMessage)]
    gone = given_away(run.outbox.store, run.config, new, run.now)
    for one in held:
        outcomes.append(record(run, *one, said))
    ours = run.outbox.hold([i.id for i in items if not isinstance(i, NewMessage)], *run.holder())
    for item in items:
        if not isinstance(item, NewMessage):
            if item.id not in ours:  # taken over: the other worker sends it
                said(logging.WARNING, "%s not sent here: another worker took it over", item.message_id)
                skipped += 1
                continue
            msg: OutboxMessage | None = item
        elif item.user in gone:
            said(logging.WARNING, GIVEN_AWAY, item.user, item.period)
            note_given_away(run.outbox.store, item.user, item.recipient, item.period, len(item.paper_ids))
            now = address_now(run.config, item.user)
            dropped.append(GivenAway(item.user, item.recipient, len(item.paper_ids), now))
            skipped += 1
            continue
        else:
            msg = run.outbox.add(item, run.now, run.holder(), run.on_server(run.now), run.for_files)
            if msg is None:
                skipped += 1
                continue
        # still wanted? (a bounce in this pass, an unsubscribe since the digest was made)
        why = run.why_not(msg)
        if why is not None:
            outcomes.append(suppressed(run.outbox, msg, why, run.now, said, run.grace_lasts(msg)))
            continue
        send.append(msg)
    return outcomes, skipped, send
