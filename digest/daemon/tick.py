"""One pass of the daemon: new dumps in, the digests of due readers queued, due messages out."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.compose.outgoing import prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.daemon.slots import Slot, due_slot
from digest.deliver.delivery import Sender, SenderFactory, SendOutcome, deliver_due
from digest.deliver.outbox import Outbox
from digest.deliver.queue import enqueue
from digest.deliver.retention import prune
from digest.ingest.dumps import IngestReport, ingest_inbox
from digest.models import Profile
from digest.select.digests import scheduled_digest
from digest.select.ranking import Ranker, build_index
from digest.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scheduled:
    user: str
    period: str
    papers: int
    message_id: str | None  # None: nothing worth sending yet (the reader stays due until grace ends)


def send_due(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    renderer: Renderer | None = None,
    stop: threading.Event | None = None,
) -> list[Scheduled]:
    """Queue the digest of every reader whose slot has come (within the grace period).

    Queuing a reader's message and marking their period done happen in one transaction, so
    a crash can neither lose the period's digest nor make two of them. A reader with nothing
    worth sending stays due until the grace period ends, so a dump that arrives a little
    after their send time still reaches them today (unless they asked for the "nothing
    today" note, which goes out at the send time and closes the period).
    """
    renderer = renderer or Renderer(config.templates)
    index: Ranker | None = None
    outbox = Outbox(store)
    done = []
    for profile in profiles:
        if stop is not None and stop.is_set():
            break
        state = store.schedule_state(profile.user)
        slot: Slot | None = due_slot(profile, now, state[0] if state else None, config.scheduler.grace)
        if slot is None:
            continue
        index = index or build_index(store, store.papers(), config)
        digest = scheduled_digest(store, index, profile)
        if not digest.matches and not profile.send_empty:
            log.debug("nothing new for %s (%s) yet", profile.user, slot.period)
            done.append(Scheduled(profile.user, slot.period, 0, None))
            continue
        out = prepare(config, digest, renderer, now)
        with store.transaction():
            enqueue(outbox, out, now, period=slot.period)
            store.set_schedule_state(profile.user, slot.period, now)
        log.info("digest for %s (%s) queued: %d papers", profile.user, slot.period, len(digest.matches))
        done.append(Scheduled(profile.user, slot.period, len(digest.matches), out.message_id))
    return done


@dataclass(frozen=True)
class TickReport:
    ingested: IngestReport
    waiting: tuple[Path, ...]  # dumps still being written
    scheduled: tuple[Scheduled, ...]
    delivered: tuple[SendOutcome, ...]


def run_once(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    stop: threading.Event | None = None,
) -> TickReport:
    """One pass of the daemon's work: new dumps in, due digests queued, due messages out."""
    report, waiting = ingest_inbox(store, config.inbox, now, config.scheduler.settle)
    scheduled = send_due(config, store, profiles, now, stop=stop)
    delivered = deliver_due(config, store, sender, now, stop=stop)
    prune(store, now, config.delivery.keep_days)
    return TickReport(report, tuple(waiting), tuple(scheduled), tuple(delivered))
