"""A pass's halt: recording a batch the server accepted failed, so what it accepted is noted
(:class:`digest.deliver.unrecorded.Unrecorded`: beside the database, and in memory) and the pass
stops, loudly, saying what the server accepted, why recording it failed, where it is noted (or
that it could be noted nowhere), and what to do."""

from __future__ import annotations

import datetime as dt
import logging

from digest.db import SQLITE
from digest.deliver.outbox import OutboxMessage
from digest.deliver.transports import SendResult
from digest.deliver.unrecorded import Accepted, DeliveryHalted, Unrecorded, who_of
from digest.errors import StoreError
from digest.store import Store

log = logging.getLogger(__name__)


def stop_delivery(
    store: Store,
    unrecorded: Unrecorded,
    batch: list[tuple[OutboxMessage, SendResult | None, dt.datetime]],
    error: Exception,
) -> None:
    """Recording a batch failed: note what the server accepted, and stop the pass, loudly."""
    error = _ended_by(error, unrecorded)
    accepted = [
        Accepted(msg.id, msg.user, msg.recipient, result.reply, at, msg.message_id)
        for msg, result, at in batch
        if result is not None and result.ok
    ]
    if not accepted:
        raise StoreError(f"cannot record the delivery results: {error}") from None
    if said := [a for a in accepted if a.outbox_id in unrecorded.memory]:  # this pass's end trying again
        accepted = [a for a in accepted if a not in said]  # noted and said at its halt: not again
        if not accepted:
            raise DeliveryHalted(f"delivery is stopped: {who_of(said)} not recorded (said above)") from None
    noted = unrecorded.add(accepted)
    who, it = who_of(accepted), "it" if len(accepted) == 1 else "them"
    if not noted and not unrecorded.lasting:
        message = _lost_with_the_command(store, unrecorded, who, error, it)
        log.critical(message)
        raise DeliveryHalted(message) from None
    message = (
        f"the server accepted {_the(it)} to {who} but recording {it} in {store.path} failed "
        f"({error}); delivery is stopped so that {_they(it)} will not be sent again"
        + ("" if noted else _unnoted(store, unrecorded, it))
        + (
            f". Free space (or make the database writable): the next pass records {it} as sent and resumes."
            if store.dialect == SQLITE  # else a lost connection, a timeout: nothing for the disk
            else f". This worker's next pass records {it} as sent, once the database answers again, and "
            "resumes (if the database stays away longer than delivery.lease_seconds, another worker "
            f"may send {it} once more)"
        )
    )
    log.critical(message)
    raise DeliveryHalted(message) from None


def _ended_by(error: Exception, unrecorded: Unrecorded) -> Exception:
    """The server's reason for ending the connection ("terminating connection due to administrator
    command": a restart, pg_terminate_backend), where ``error`` is only a statement's on the
    connection it ended ("the connection is lost"), raised while the pass was failing on that
    reason (its ``__context__``: the pass's next read met it first); else, for psycopg's own words,
    what the pass's first connection to meet the end met (``unrecorded.ended``); else ``error``."""
    own, context = getattr(error, "sqlstate", 0) is None, error.__context__
    if own and str(getattr(context, "sqlstate", "")).startswith(("57P", "08")):  # the server's own words
        error = context  # type: ignore[assignment]
    elif own and unrecorded.ended is not None:  # another connection of the pass met it first
        return unrecorded.ended
    if unrecorded.ended is None and (own or str(getattr(error, "sqlstate", "")).startswith(("57P", "08"))):
        unrecorded.ended = error
    return error


def _lost_with_the_command(store: Store, unrecorded: Unrecorded, who: str, error: Exception, it: str) -> str:
    """A command's halt (`digest send`, `run --once`) whose note could be written nowhere: its memory
    ends with it, so what the server accepted is sent again, which it says (not "the next pass
    records it as sent", true of a daemon's memory alone)."""
    if store.dialect == SQLITE:
        where, again = "beside the database", f"the next pass sends {it} again"
    else:
        where = f"in {unrecorded.path.parent}"
        again = (
            f"a worker sends {it} again once the database answers and this command's claim on {it} lapses "
            "(delivery.lease_seconds)"
        )
    return (
        f"the server accepted {_the(it)} to {who} but recording {it} in {store.path} failed ({error}), "
        f"and no note of {it} can be written {where} (see the lines before): delivery is stopped, but this "
        f"command ends with {it} in its memory only, so {again}. Free space (a file must be made there: "
        f"df -h, df -i) or make {unrecorded.path.parent} writable, so that the next halt is noted"
    )


def _the(it: str) -> str:
    """'the digest' (``it``: one accepted) or 'the digests' (``them``), their readers named after it."""
    return "the digest" if it == "it" else "the digests"


def _they(it: str) -> str:
    return "it" if it == "it" else "they"


def _unnoted(store: Store, unrecorded: Unrecorded, it: str) -> str:
    """What the halt adds when the note could not be written: on SQLite, a full disk's advice; on
    PostgreSQL, where it is in the config's folder (read-only, say: Unrecorded.ready went on)."""
    if store.dialect == SQLITE:
        return f" (and no note of {it} can be written: restart only once there is space)"
    where = unrecorded.path.parent
    are = f"{_they(it)} {'is' if it == 'it' else 'are'}"
    return f" (and no note of {it} can be written in {where}: {are} in this process's memory only)"
