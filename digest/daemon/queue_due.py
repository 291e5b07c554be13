"""A pass's queueing (digest.daemon.tick.run_once's, after its fetch and inbox): the digests of
the readers whose send time has come made and queued, each with its period marked done in the
same transaction."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Collection, Sequence

from digest.compose.outgoing import Outgoing, prepare
from digest.compose.render import Renderer
from digest.config import Config
from digest.daemon.claims import (
    READER_BATCH,
    claim_readers,
    clear_stale_periods,
    mark_periods,
    period_queued,
    release_readers,
)
from digest.daemon.due import DueIndex
from digest.daemon.missed import missed_to_say
from digest.daemon.tick_report import Scheduled
from digest.daemon.unbuilt import UnbuiltSaid
from digest.db import db_errors, wall_clock
from digest.deliver.outbox import Outbox
from digest.deliver.queue import enqueue, unbuilt_reason
from digest.deliver.suppressions import Suppressions
from digest.deliver.wanted import GIVEN_AWAY, given_away, hold_names, note_given_away
from digest.files import counted
from digest.models import Profile
from digest.select.digests import Windows, next_digests
from digest.slots import Slot, due_slot, missed_slot, paused_slot, slot_done
from digest.store import Store
from digest.store_missed import PAUSED, note_said_missed, noted_missed
from digest.worker_ids import worker_id

# the pass's logger, as before this was moved out of digest.daemon.tick (digest.cli.said_once names it)
log = logging.getLogger("digest.daemon.tick")


def send_due(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    renderer: Renderer | None = None,
    stop: threading.Event | None = None,
    due_index: DueIndex | None = None,
    hold: Collection[str] = (),
    unbuilt: UnbuiltSaid | None = None,
    found_due: set[str] | None = None,
    wall: Callable[[], dt.datetime] = wall_clock,
    due_at: dt.datetime | None = None,
    missed: list[tuple[str, dt.datetime, str]] | None = None,
) -> list[Scheduled]:
    """Queue the digest of every reader whose slot has come (within the grace period), but
    those ``hold`` names (looked at again next time: digest.daemon.renamed.Carried). A reader
    whose digest cannot be made is said in the log through ``unbuilt`` (the daemon's: once; by
    default at every call). ``found_due`` gets the readers found due, tried or not (another
    worker holding them, or ``stop`` set first). ``wall``: the time the readers' leases run on (the
    daemon's: the database server's when its machine's clock is off, as the workers table's);
    ``due_at``: when the digests queued are due (default ``now``; the daemon's: ``now`` on the server's
    clock, digest.deliver.delivery.deliver_due's ``on_server``); ``missed`` gets the readers whose
    send time was missed (digest.daemon.missed: passed its grace unserved, papers waiting; user,
    send instant, zone), each once (not said by a pass before: digest.store_missed).

    Queuing a reader's message and marking their period done happen in one transaction, so
    a crash can neither lose the period's digest nor make two of them. A reader with nothing
    worth sending stays due until the grace period ends, so a dump that arrives a little
    after their send time still reaches them today (unless they asked for the "nothing
    today" note, which goes out at the send time and closes the period).
    """
    renderer = renderer or Renderer.for_config(config)
    outbox = Outbox(store)
    suppressions = Suppressions(store)
    due: list[tuple[Profile, Slot]] = []
    if due_index is None:  # every reader looked at; their schedule states in one query
        candidates, states = list(profiles), store.all_schedule_states()
    else:  # those the index says may be due (``profiles`` synced into it), their states read
        candidates = due_index.candidates(now)
        states = store.schedule_states([p.user for p in candidates])
    suppressed = {s.user: s for s in suppressions.all()}  # one query (few rows), not one per reader
    grace = config.scheduler.grace
    passed: list[tuple[Profile, Slot]] = []  # send times passed unserved: missed if papers wait
    noted = noted_missed(store, [p.user for p in candidates])  # send times said missed, or paused at
    paused = {user: at for user, (at, why) in noted.items() if why == PAUSED}
    pausing: list[tuple[str, dt.datetime]] = []  # those found paused now, to note
    for profile in candidates:
        if profile.user in hold:
            continue
        last, last_at = states.get(profile.user, (None, None))
        over = paused_slot(profile, now, last, last_at)
        # one said missed, then paused: missed still once unpaused (`status` names it; said already)
        if over is not None and noted.get(profile.user, (None, ""))[0] != over.at:
            pausing.append((profile.user, over.at))
        slot: Slot | None = due_slot(profile, now, last, grace, last_at)
        bounced = suppressed.get(profile.user)  # a hard bounce of their address, an unsubscribe: no more
        blocked = bounced is not None and bounced.covers(profile.email)  # digests (an old address's: yes)
        if slot is not None and not blocked:
            due.append((profile, slot))
        elif slot is None and due_index is not None:
            due_index.not_due(profile, last, now, last_at)
        was_paused = paused.get(profile.user)
        gone = None if slot is not None else missed_slot(profile, now, last, grace, last_at, was_paused)
        if gone is not None and missed is not None and not blocked:
            passed.append((profile, gone))
        # a due reader whose address bounced stays a candidate while the slot's grace lasts:
        # `digest suppressed --release` writes only the database, and the next tick serves them
    note_said_missed(store, pausing, PAUSED)
    if found_due is not None:
        found_due.update(p.user for p, _ in due)
    done: list[Scheduled] = []
    windows = Windows(store, config)
    me, lease = worker_id(), dt.timedelta(seconds=config.delivery.lease_seconds)
    unbuilt = unbuilt or UnbuiltSaid()
    for start in range(0, len(due), READER_BATCH):
        if stop is not None and stop.is_set():
            return done
        listed = due[start : start + READER_BATCH]
        users = [p.user for p, _ in listed]
        mine = set(claim_readers(store, users, me, wall(), lease))  # the others take the rest
        held = [x for x in listed if x[0].user in mine]
        try:
            done += _queue_batch(config, store, outbox, renderer, windows, held, now, stop, unbuilt, due_at)
        finally:
            release_readers(store, sorted(mine), me)
    if missed is not None and passed and not (stop is not None and stop.is_set()):  # after the due are served
        missed += [(p.user, s.at, p.timezone) for p, s in missed_to_say(store, config, passed, now, windows)]
    return done


def _queue_batch(
    config: Config,
    store: Store,
    outbox: Outbox,
    renderer: Renderer,
    windows: Windows,
    batch: list[tuple[Profile, Slot]],
    now: dt.datetime,
    stop: threading.Event | None,
    unbuilt: UnbuiltSaid,
    due_at: dt.datetime | None = None,
) -> list[Scheduled]:
    """The digests of readers this worker holds; each queued with its period marked, together."""
    done = []
    # another worker may have queued one of them since the list was made: read their state again
    states = store.schedule_states([p.user for p, _ in batch])
    batch = [(p, s) for p, s in batch if (st := states.get(p.user)) is None or not slot_done(s, *st)]
    # a reader who moved west: their period's date may have been marked by a digest made before
    # the day began here (whatever their last period is now: a later move, or `send --force`,
    # may have put it back); a reader never scheduled has no such mark
    stale = [(p.user, s.period, s.begins) for p, s in batch if p.user in states]
    if stale:
        with store.transaction():
            clear_stale_periods(store, stale)
    digests = next_digests(store, [p for p, _ in batch], now, config=config, windows=windows)
    ready: list[tuple[Outgoing, str]] = []
    for (profile, slot), digest in zip(batch, digests, strict=True):
        if stop is not None and stop.is_set():
            break  # what is built is still stored: it is quick
        if not digest.sent:
            log.debug("nothing new for %s (%s) yet", profile.user, slot.period)
            done.append(Scheduled(profile.user, slot.period, 0, None))
            continue
        try:
            out = prepare(config, digest, renderer, now)
            out.data  # noqa: B018 - built here: a message that cannot be built is this reader's failure
        except Exception as e:  # noqa: BLE001 - one reader's message must not stop the others
            error = unbuilt_reason(e)
            unbuilt.tell(profile.user, slot.period, error, now)
            done.append(Scheduled(profile.user, slot.period, 0, None, error))
            continue
        ready.append((out, slot.period))
    try:
        stored = queue_for_periods(config, store, outbox, ready, now, due_at)  # one transaction for the batch
    except db_errors() as e:  # one of them was queued by another worker: each on its own, then
        log.info("queueing %d digests together failed (%s); one at a time", len(ready), e)
        one = functools.partial(_queue_one, config, store, outbox, now=now, due_at=due_at)
        stored = [(out, period) for out, period in ready if one(out, period)]
    for out, period in stored:
        papers = len(out.digest.matches)
        log.info("digest for %s (%s) queued: %s", out.digest.profile.user, period, counted(papers, "paper"))
        unbuilt.served(out.digest.profile.user)
        done.append(Scheduled(out.digest.profile.user, period, papers, out.message_id))
    return done


def _queue_one(
    config: Config,
    store: Store,
    outbox: Outbox,
    out: Outgoing,
    period: str,
    now: dt.datetime,
    due_at: dt.datetime | None = None,
) -> bool:
    """Queue one reader's digest for ``period``; False if another worker had queued one, or
    it is a removed reader's (digest.deliver.wanted.given_away)."""
    user = out.digest.profile.user
    try:
        return bool(queue_for_periods(config, store, outbox, [(out, period)], now, due_at))
    except db_errors() as e:  # the (reader, period) backstop: another worker was quicker
        if not period_queued(store, user, period):
            raise
        log.warning("digest for %s (%s) was queued by another worker: %s", user, period, e)
        return False


def queue_for_periods(
    config: Config,
    store: Store,
    outbox: Outbox,
    items: Sequence[tuple[Outgoing, str]],
    now: dt.datetime,
    due_at: dt.datetime | None = None,
) -> list[tuple[Outgoing, str]]:
    """Queue readers' digests and mark their ``period`` done, in one transaction: a crash can
    neither lose the period's digest nor make two of them, and the (reader, period) key refuses
    a second one (failing the whole transaction). Not queued: a removed reader's digest (their
    name's file found gone since ``now``, not theirs now: digest.deliver.wanted.given_away).
    Returns those queued, due at ``due_at`` (default ``now``)."""
    if not items:
        return []
    with store.transaction():
        mine = [(out.digest.profile.user, out.digest.profile.email) for out, _ in items]
        hold_names(store, sorted({user for user, _ in mine}))  # see Outbox.enqueue's ``window``
        gone = given_away(store, config, mine, now)
        for out, period in items:
            if (user := out.digest.profile.user) in gone:
                log.warning(GIVEN_AWAY, user, period)
                note_given_away(store, user, out.digest.profile.email, period, len(out.digest.paper_ids))
        items = [(out, period) for out, period in items if out.digest.profile.user not in gone]
        if not items:
            return []
        # (reader, period) rows first, then the outbox, then schedule_state: the order in which
        # `send` (Outbox.store) takes them, so that the two never wait on each other in a cycle
        mark_periods(store, [(out.digest.profile.user, period, out.message_id) for out, period in items])
        files = config.delivery.transport == "file"  # the pass writes them (outbox.for_files, as Pass's)
        for out, period in items:
            enqueue(outbox, out, now, period=period, due=due_at, for_files=files)
        store.set_schedule_states([(out.digest.profile.user, period) for out, period in items], now)
    return list(items)
