"""Messages the server accepted whose delivery could not be written to the database.

When recording fails (the disk is full, the database is read-only), the message is still
``queued`` in the outbox, so the next pass would send it again, and again at every pass. So
instead delivery stops: what the server accepted is noted here, in a small file beside the
database (``digest.db.unrecorded``) and in memory (for when not even that file can be written),
and every later pass first records those messages as sent. Until that works, nothing is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from digest.db import SQLITE, db_errors, real_file, sidecar
from digest.deliver.outbox import QUEUED, Outbox, OutboxMessage
from digest.deliver.transports import SendResult
from digest.errors import DeliveryError, StoreError
from digest.files import write_atomic
from digest.store import Store

log = logging.getLogger(__name__)


class DeliveryHalted(DeliveryError):
    """The server accepted messages whose delivery cannot be recorded: delivery is stopped."""


@dataclass(frozen=True)
class Accepted:
    outbox_id: int
    user: str
    recipient: str
    reply: str
    at: dt.datetime


class Unrecorded:
    """The note of accepted-but-unrecorded messages: a file beside the database, and memory."""

    def __init__(self, database: Path) -> None:
        # beside the file itself, however a config names it (as digest.deliver.journal); read
        # beside the name as given too, where a release before wrote it through a symbolic link
        self.path, named = sidecar(real_file(database), ".unrecorded"), sidecar(database, ".unrecorded")
        self.fallback = _fallback(self.path)
        self.places = tuple(dict.fromkeys((self.path, self.fallback, named, _fallback(named))))
        self.memory: dict[int, Accepted] = {}

    def entries(self) -> list[Accepted]:
        found = dict(self.memory)
        raw: list = []
        for path in self.places:
            try:
                items = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as e:
                log.error("%s: cannot read the note of unrecorded messages: %s", path, e)
                continue
            raw += items if isinstance(items, list) else []
        for item in raw:
            try:
                a = Accepted(
                    int(item["outbox_id"]), str(item["user"]), str(item["recipient"]), str(item["reply"]),
                    dt.datetime.fromisoformat(item["at"]),
                )  # fmt: skip
            except (KeyError, TypeError, ValueError):
                continue
            found.setdefault(a.outbox_id, a)
        return [found[k] for k in sorted(found)]

    def add(self, accepted: list[Accepted]) -> bool:
        """Remember them; False if the file could not be written (memory only, for this process)."""
        for a in accepted:
            self.memory[a.outbox_id] = a
        items = [
            {"outbox_id": a.outbox_id, "user": a.user, "recipient": a.recipient, "reply": a.reply,
             "at": a.at.isoformat()}
            for a in self.entries()
        ]  # fmt: skip
        text = json.dumps(items, indent=1) + "\n"
        for path in (self.path, self.fallback):
            try:
                write_atomic(path, text)
                return True
            except OSError as e:
                log.critical("%s: cannot write the note of unrecorded messages: %s", path, e)
        return False

    def clear(self) -> None:
        self.memory.clear()
        for path in self.places:
            try:
                path.unlink(missing_ok=True)
            except OSError as e:
                log.error("%s: cannot remove: %s", path, e)


def _fallback(path: Path) -> Path:
    """Where the note goes when it cannot be written beside the database: the temporary folder."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"digest-{name}.unrecorded"


def stop_delivery(
    store: Store,
    unrecorded: Unrecorded,
    batch: list[tuple[OutboxMessage, SendResult | None, dt.datetime]],
    error: Exception,
) -> None:
    """Recording a batch failed: note what the server accepted, and stop the pass, loudly."""
    accepted = [
        Accepted(msg.id, msg.user, msg.recipient, result.reply, at)
        for msg, result, at in batch
        if result is not None and result.ok
    ]
    if not accepted:
        raise StoreError(f"cannot record the delivery results: {error}") from None
    noted = unrecorded.add(accepted)
    who = ", ".join(f"{a.user} <{a.recipient}>" for a in accepted)
    message = (
        f"the server accepted the digest to {who} but recording it in {store.path} failed ({error}); "
        "delivery is stopped so that it will not be sent again"
        + ("" if noted else " (and no note of it can be written: restart only once there is space)")
        + (
            ". Free space (or make the database writable): the next pass records it as sent and resumes."
            if store.dialect == SQLITE  # else a lost connection, a timeout: nothing for the disk
            else ". This worker's next pass records it as sent, once the database answers again, and "
            "resumes (if the database stays away longer than delivery.lease_seconds, another worker "
            "may send it once more)"
        )
    )
    log.critical(message)
    raise DeliveryHalted(message) from None


def record_accepted(outbox: Outbox, unrecorded: Unrecorded) -> None:
    """Record as sent what the server accepted in an earlier pass; refuse to go on until that works."""
    pending = unrecorded.entries()
    if not pending:
        return
    mark_accepted(outbox, pending)
    log.warning("recorded %d digest(s) the server had accepted before delivery stopped", len(pending))
    unrecorded.clear()


def mark_accepted(outbox: Outbox, accepted: list[Accepted], noted: str = "") -> int:
    """Record as sent, in one transaction, those of ``accepted`` still queued; how many. If that
    cannot be written, delivery stays stopped: DeliveryHalted (``noted``: where they are noted)."""
    recorded = 0
    try:
        with outbox.store.transaction():
            for a in accepted:
                try:
                    msg = outbox.get(a.outbox_id)
                except KeyError:
                    continue
                if msg.status == QUEUED:
                    outbox.mark_sent(msg, a.reply, a.at, in_transaction=True)
                    recorded += 1
    except (*db_errors(), StoreError) as e:
        who = ", ".join(f"{a.user} <{a.recipient}>" for a in accepted)
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
