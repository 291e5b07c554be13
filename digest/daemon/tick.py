"""One pass of the daemon: due sources fetched, new dumps in, due digests queued, due messages out."""

from __future__ import annotations

import dataclasses
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
from digest.daemon.failures import TickFailures
from digest.daemon.fetching import failed_for
from digest.daemon.first import fetch_first, read_inbox
from digest.daemon.missed import missed_to_say
from digest.daemon.names import Looked, carry_and_look
from digest.daemon.renamed import Carried
from digest.daemon.tick_report import Scheduled, TickReport
from digest.daemon.unbuilt import UnbuiltSaid
from digest.db import db_errors, wall_clock
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import Outbox
from digest.deliver.queue import enqueue, unbuilt_reason
from digest.deliver.retention import prune
from digest.deliver.senders import Sender, SenderFactory
from digest.deliver.suppressions import Suppressions
from digest.deliver.unrecorded import Unrecorded
from digest.deliver.wanted import GIVEN_AWAY, given_away, held_for_new_address, hold_names, note_given_away
from digest.files import counted
from digest.ingest.http import Http
from digest.models import Profile
from digest.select.digests import Windows, next_digests
from digest.select.embedding_lock import EmbeddingsStopped
from digest.slots import Slot, due_slot, missed_slot, paused_slot, slot_done
from digest.store import Store
from digest.store_missed import PAUSED, note_said_missed, noted_missed
from digest.worker_ids import worker_id

log = logging.getLogger(__name__)

PATIENCE = 120.0  # s a pass waits for another worker's fetch of sources due, or ingest of settled dumps

LOOK_BACK_HELD = dt.timedelta(days=1)  # held messages' readers looked at again this long


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
        for out, period in items:
            enqueue(outbox, out, now, period=period, due=due_at)
        store.set_schedule_states([(out.digest.profile.user, period) for out, period in items], now)
    return list(items)


def moved_on(now: dt.datetime, waited: list[float], clock: Callable[[], dt.datetime] | None) -> dt.datetime:
    """A pass's ``now`` after a step (its fetch, its inbox): moved on by the seconds it waited for
    another worker (``waited``, emptied), or to ``clock()``'s time if later (its own long fetch or
    ingest), so that a reader's send time that came meanwhile is served by this pass."""
    later = now + dt.timedelta(seconds=sum(waited))
    waited.clear()
    return max(later, clock()) if clock is not None else later


def run_once(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    stop: threading.Event | None = None,
    http: Http | None = None,
    unrecorded: Unrecorded | None = None,
    deliver: bool = True,
    due_index: DueIndex | None = None,
    looked: Looked | None = None,
    say_bugs: bool = True,
    queue: bool = True,
    say_failures: bool = True,
    beat: Callable[[], None] | None = None,
    unbuilt: UnbuiltSaid | None = None,
    wall: Callable[[], dt.datetime] = wall_clock,
    on_server: Callable[[dt.datetime], dt.datetime] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    bugs: TickFailures | None = None,
    retrying: Callable[[str, str], object] | None = None,
) -> TickReport:
    """One pass of the daemon's work: due sources fetched, new dumps in, due digests queued,
    due messages out (``deliver=False``: not out; the daemon after the server refused its login;
    ``due_index``: only the readers it names are looked at, see digest.daemon.due; ``looked``:
    the renames and names left alone while the profiles and the folder's names are as the last
    look saw them; ``say_bugs``: a dump reader's bug logged with its traceback, digest.ingest.dumps,
    and a bug met fetching or reading the inbox by ``bugs`` (the daemon's, digest.daemon.failures;
    without it, one of this pass's own);
    ``say_failures``: a fetched document that cannot be read logged as a warning, an inbox that
    cannot be used as an error (False: the caller's report says them, `digest run --once`);
    ``queue=False``: no digest queued, no rename or removal noted, as a worker whose settings are
    not the others' (digest.daemon.agree);
    ``beat``: called between the steps (the worker seen again, digest.daemon.claims.touch: a pass
    longer than a lease is not a killed worker's; queueing and sending renew leases already);
    ``unbuilt``: the readers whose digest cannot be made, said once (the daemon's, digest.daemon.unbuilt);
    ``wall``: the time the readers' and the messages' leases run on (:func:`send_due`); ``on_server``:
    a time of this machine's clock as the database server's says it, for the messages' due times
    (digest.deliver.delivery.deliver_due's; default: as it is); ``clock``: the pass's, which ``now``
    was read from, read again after the fetch and after the inbox (:func:`moved_on`); ``retrying``:
    a fetch's failed try said as it happens, as `digest fetch` says it (`run --once`)."""
    on_server = on_server or (lambda at: at)
    problems: list[str] = []
    beat = beat or (lambda: None)
    waited: list[float] = []  # s waited for another worker's fetch or ingest (first.one_worker)
    # another worker's fetch, then its ingest of a settled dump: the readers due now wait for them, a
    # while (not the pass long), so the digests made next hold what they bring
    waits = dict(wait=True, stop=stop, say_failures=say_failures, patience=PATIENCE, beat=beat, waited=waited)
    waits["bugs"] = bugs if bugs is not None else TickFailures()  # alone: one for the pass, both steps
    fetched = fetch_first(
        config, store, profiles, now, problems, http, say_bugs=say_bugs, retrying=retrying, **waits
    )
    now = moved_on(now, waited, clock)  # a send time that came as it waited or fetched: served in this pass
    report, waiting = read_inbox(config, store, now, problems, say_bugs, **waits)
    now = moved_on(now, waited, clock)
    report = dataclasses.replace(report, problems=tuple(dict.fromkeys(report.problems + tuple(problems))))
    beat()
    carried = Carried([], [])
    if queue and (looked is None or looked.needed()):
        # a renamed profile file: the same reader; a removed one: the links signed before open nothing
        carried = carry_and_look(config, store, profiles, now)
        if looked is not None:
            looked.done(carried)
        beat()
    hold, due = {c.new for c in carried.waiting}, set[str]()
    missed: list[tuple[str, dt.datetime, str]] = []
    try:
        scheduled = (
            send_due(
                config,
                store,
                profiles,
                now,
                stop=stop,
                due_index=due_index,
                hold=hold,
                unbuilt=unbuilt,
                found_due=due,
                missed=missed,
                wall=wall,
                due_at=on_server(now),
            )
            if queue
            else []
        )
    except EmbeddingsStopped as e:  # SIGTERM in the embeddings: what the pass fetched and took in, said
        e.report = TickReport(report, tuple(waiting), (), (), tuple(fetched))  # by `run --once`
        raise
    send = functools.partial(deliver_due, stop=stop, unrecorded=unrecorded, wall=wall, on_server=on_server)
    delivered = send(config, store, sender, now) if deliver else []
    if due_index is not None and queue:  # a digest held for its reader's new address, by this pass or
        # another process since the last: the day's made again (a day back: longer than any grace)
        due_index.look_again(held_for_new_address(store, now - LOOK_BACK_HELD))
    prune(store, now, config.delivery.keep_days)
    made = {s.user for s in scheduled if s.message_id}  # a source that failed a moment ago: go without it
    made_now = [p for p in profiles if p.user in made]
    before = failed_for(config, store, made_now, now, {f.source for f in fetched})
    return TickReport(
        report,
        tuple(waiting),
        tuple(scheduled),
        tuple(delivered),
        tuple(fetched),
        failed_before=tuple(before),
        due=frozenset(due),
        missed=tuple(missed),
        grace=config.scheduler.grace,
        retries=tuple(Outbox(store).retries_after(on_server(now))),
    )
