"""One pass of the daemon: due sources fetched, new dumps in, due digests queued, due messages out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Sequence

from digest.config import Config
from digest.daemon.due import DueIndex
from digest.daemon.failures import TickFailures
from digest.daemon.fetching import failed_for
from digest.daemon.first import fetch_first, read_inbox
from digest.daemon.names import Looked, carry_and_look
from digest.daemon.queue_due import send_due
from digest.daemon.renamed import Carried
from digest.daemon.tick_report import TickReport
from digest.daemon.unbuilt import UnbuiltSaid
from digest.db import wall_clock
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import Outbox
from digest.deliver.retention import prune
from digest.deliver.senders import Sender, SenderFactory
from digest.deliver.unrecorded import Unrecorded
from digest.deliver.wanted import held_for_new_address
from digest.ingest.http import Http
from digest.models import Profile
from digest.select.embedding_lock import EmbeddingsStopped
from digest.store import Store

log = logging.getLogger(__name__)

PATIENCE = 120.0  # s a pass waits for another worker's fetch of sources due, or ingest of settled dumps

LOOK_BACK_HELD = dt.timedelta(days=1)  # held messages' readers looked at again this long


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
