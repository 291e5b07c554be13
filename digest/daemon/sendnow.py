"""`digest send`: each reader's digest for the current period, now, instead of at their time.

A digest sent by hand counts as the period's digest for the daemon (the same transaction
queues it and marks the period done), so `send` then `run` mails a reader once. A second
`send` in the same period queues nothing new: it retries what waits for that reader and
says what happened to the period's digest. ``force`` makes a new digest of whatever is new
since the previous one, for people who want it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from digest.compose.render import Renderer
from digest.config import Config
from digest.daemon.agree import refuse_if_apart
from digest.daemon.already import describe_already, paused_note, waiting_here
from digest.daemon.claims import clear_stale_periods
from digest.daemon.clocks import clock_skew, on_server_clock, server_time, skew_note
from digest.daemon.failures import TickFailures
from digest.daemon.first import fetch_first, read_inbox
from digest.daemon.lease_holders import held_by_others, held_note, lease_holders
from digest.daemon.meanwhile import left_untried, queued_by_others
from digest.daemon.names import carry_and_look
from digest.daemon.renamed import Continued
from digest.db import POSTGRESQL, wall_clock
from digest.deliver.accepted import record_accepted
from digest.deliver.ahead import Forked
from digest.deliver.claims import before_37_for_files
from digest.deliver.delivery import SendOutcome, deliver_due
from digest.deliver.journal import replay
from digest.deliver.outbox import NewMessage, Outbox, OutboxEntry, for_email
from digest.deliver.queue import made_ahead
from digest.deliver.senders import Sender, SenderFactory, maker_nice, makers_for
from digest.deliver.suppressions import Suppressions, until_released
from digest.deliver.unrecorded import Unrecorded
from digest.deliver.wanted import GivenAway, removed_waiting
from digest.ingest.dumps import IngestReport
from digest.ingest.fetch import FetchOutcome
from digest.ingest.http import Http
from digest.ingest.inbox import Waiting
from digest.local_day import day_at
from digest.models import Digest, Profile
from digest.progress import Progress
from digest.select.digests import Windows, next_digests
from digest.select.embedding_lock import EmbeddingsStopped
from digest.slots import day_begins, period_done, send_period, served_before_its_time, slot_on
from digest.store import QUEUED, Store
from digest.worker_ids import worker_id

log = logging.getLogger(__name__)

# What `send` does for a reader
NEW, ALREADY, NOTHING, PAUSED, SUPPRESSED = "new", "already", "nothing", "paused", "suppressed"


# Readers ranked together (the store is asked about them in chunks of its own). The ranking
# stacks readers by their number of interests (digest.select.batch), so a small batch makes
# small stacks: 100,000 readers of 5-15 interests took 18-21 s in batches of 500 against
# 11-13 s in batches of 10,000 (benchmarks/bench_matcher.py --batch), for 75 MiB more at peak.
PLAN_BATCH = 10_000


@dataclass(frozen=True)
class Planned:
    """What `send` does for one reader in the current period."""

    profile: Profile
    period: str
    action: str  # NEW | ALREADY | NOTHING | PAUSED | SUPPRESSED
    digest: Digest | None  # the new digest (NEW, NOTHING)
    note: str  # for ALREADY / SUPPRESSED: what happened to the period's digest
    waiting: int = 0  # ALREADY: the papers of the period's digest, queued, that this send tries (already)
    left: OutboxEntry | None = None  # ALREADY, `send --to-dir`: the period's digest, the reader's email, left
    period_digest: str | None = None  # ALREADY: its Message-ID (another one of theirs retried: earlier)

    @property
    def papers(self) -> int:
        return len(self.digest.matches) if self.digest else self.waiting


@dataclass(frozen=True)
class SendReport:
    planned: tuple[Planned, ...]
    queued: tuple[str, ...]  # the Message-IDs of the new digests made
    delivered: tuple[SendOutcome, ...]
    continued: tuple[Continued, ...] = ()  # readers whose renamed profile carried them over
    waiting: tuple[Continued, ...] = ()  # those put off (a message being sent): nothing for them yet
    dropped: tuple[GivenAway, ...] = ()  # new digests not stored: a removed reader's (wanted.given_away)
    ingested: IngestReport = IngestReport((), ())  # the dumps waiting in the inbox, taken in first
    still_written: tuple[Waiting, ...] = ()  # those still being written: left in the inbox, not in these
    fetched: tuple[FetchOutcome, ...] = ()  # the sources due, fetched first (as a pass does)
    # `send --user`: removed readers with a message waiting, left (another reader's mail: held by a
    # `send` to every reader, or by the daemon's pass when its retry is due)
    left: tuple[str, ...] = ()
    kept: tuple[OutboxEntry, ...] = ()  # `send --to-dir`: the readers' email (outbox.for_email), left queued
    # stopped (SIGTERM, Ctrl-C) in the wait for another's embeddings, before any digest was made: why
    given_up: str = ""
    # readers whose period another send or worker took meanwhile (daemon.meanwhile): their row says it,
    # beside the row of an earlier digest of theirs retried now
    meanwhile: tuple[str, ...] = ()
    # an earlier digest of these readers' still queued and not tried here, nor held by another process
    # (PostgreSQL: another worker deferred it again after this send's look): its row says it, with its
    # papers, as `send --dry-run` says one (report.kept's and the stopped send's are said otherwise)
    untouched: tuple[tuple[OutboxEntry, int], ...] = ()


def plan_send(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    now: dt.datetime,
    *,
    force: bool = False,
    untried: bool = False,
) -> list[Planned]:
    """What `send` would do for every reader now (nothing is written): `send --dry-run`; a period's
    digest queued already, which the send tries (not another worker's, nor under ``untried``, `send
    --to-dir`, the reader's email), with its papers.

    The store is asked about the readers in batches (their schedule states, their
    suppressions, their latest messages), never once per reader."""
    users = [p.user for p in profiles]
    states = store.schedule_states(users)
    suppressed = {s.user: s for s in Suppressions(store).all()}  # few rows: one query
    plans: list[Planned | None] = [None] * len(profiles)
    grace = config.scheduler.grace  # a send time missed just before: its period (the daemon owes it)
    periods = [send_period(p, now, grace, *states.get(p.user, (None, None))) for p in profiles]
    wanted: list[int] = []
    already: list[int] = []
    held: set[int] = set()  # of those, the ones whose period waits for its send time
    for i, p in enumerate(profiles):
        period = periods[i]
        state = states.get(p.user)
        blocked = suppressed.get(p.user)
        if p.paused:
            plans[i] = Planned(p, period, PAUSED, None, paused_note(p.user))
        elif blocked is not None and blocked.covers(p.email):
            why = f"suppressed: {blocked.describe()}; gets nothing {until_released(p.user)}"
            plans[i] = Planned(p, period, SUPPRESSED, None, why)
        elif state is not None and not force and period_done(p, period, *state):
            already.append(i)
        elif state is not None and not force and served_before_its_time(p, period, now, *state):
            already.append(i)  # today's digest served the evening before's send time: today's at its own
            held.add(i)
        else:
            wanted.append(i)
    latest = Outbox(store).latest_entries([profiles[i].user for i in already])
    if untried and not config.smtp_given:  # as send_now takes them (for_files_before_37): written here
        latest = {u: before_37_for_files(e) for u, e in latest.items()}
    leases_at = server_time(store, now) if store.dialect == POSTGRESQL and already else None  # workers'
    holding = lease_holders(store, (e.claimed_by for e in latest.values() if e is not None and e.claimed_by))
    made_at = {profiles[i].user: states[profiles[i].user][1] for i in already}
    waits = {u: e for u, e in latest.items() if waiting_here(e, made_at[u], leases_at)}
    left = {u: e for u, e in waits.items() if untried and for_email(e)}  # queued for SMTP (report.kept)
    tried = {u: e for u, e in waits.items() if u not in left}
    papers = Outbox(store).paper_counts([e.id for e in tried.values()])
    for i in already:
        p = profiles[i]
        note = describe_already(p, latest.get(p.user), states[p.user][1], now, leases_at, holding)
        if i in held and (slot := slot_on(p, dt.date.fromisoformat(periods[i]))) is not None:
            note += (  # the new day's digest held to its send time; said plainly, with how not to wait
                f" (the digest of {states[p.user][0]}); the digest of {periods[i]} goes out "
                f"{day_at(p.timezone, slot.at, now)} (to send what is new before then: "
                f"`digest send --user {p.user} --force`)"
            )
        waiting = papers.get(tried[p.user].id, 0) if p.user in tried else 0
        entry = latest.get(p.user)
        message_id = entry.message_id if entry is not None else None
        plans[i] = Planned(p, periods[i], ALREADY, None, note, waiting, left.get(p.user), message_id)
    windows = Windows(store, config)
    for start in range(0, len(wanted), PLAN_BATCH):
        chunk = wanted[start : start + PLAN_BATCH]
        digests = next_digests(store, [profiles[i] for i in chunk], now, config=config, windows=windows)
        for i, digest in zip(chunk, digests, strict=True):
            action = NEW if digest.sent else NOTHING
            plans[i] = Planned(profiles[i], periods[i], action, digest, "")
    return [p for p in plans if p is not None]


def send_now(
    config: Config,
    store: Store,
    profiles: Sequence[Profile],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    *,
    force: bool = False,
    renderer: Renderer | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    everyone: bool = False,
    http: Http | None = None,
    retrying: Callable[[str, str], object] | None = None,
    say_bugs: bool = True,
    untried: bool = False,
) -> SendReport:
    """Queue each reader's digest for the current period (unless the period has one), and
    deliver it with what else is due for these readers, retrying at once what waits for them.

    Each message is made (in a child process: digest.deliver.ahead) while earlier ones are
    with the server, stored (its period marked
    done in the same transaction) before it is handed over, and handed over from memory.
    ``stop`` (Ctrl-C) ends the sending after the message whose data the server has (see
    deliver_due): the messages stored and not sent stay queued, and the readers whose digest
    was not made yet get it from the next send. ``everyone``: ``profiles`` are every reader's (no
    --user): the waiting messages of the readers found removed are held too (wanted.removed_waiting).
    The messages are held, and due, on the database server's clock when this machine's is off (its
    skew measured once, here, and said, as a daemon's pass has and says it: digest.daemon.clocks).
    The sources due for these readers are fetched first (through ``http``; by default a client of
    its own, given up once ``stop`` is set), then the settled dumps waiting in the inbox are taken
    in, as a pass does (digest.daemon.first): a source that fails is in the report, not a reason to
    stop the send (its outcome said by the caller, the pass's log line at INFO as ever); ``say_bugs``:
    a reader's bug logged with its traceback (False: the caller says it, as `digest ingest` does).
    ``untried`` (`send --to-dir`): the readers' email (waiting for a retry by SMTP, or made for it and not
    tried yet) stays queued for SMTP (report.kept)."""
    renderer = renderer or Renderer.for_config(config)
    outbox = Outbox(store)
    skew = clock_skew(store, wall_clock())
    if note := skew_note(skew, send=True):  # said once, in its own words (the send's own clock is off)
        log.warning("%s", note)
    unrecorded = Unrecorded(store.path)  # this command's, for its delivery too: what it says, said once
    record_accepted(outbox, unrecorded)  # what a killed pass had handed over, before
    replay(outbox)  # planning: those readers are told "already sent", not "waiting"
    refuse_if_apart(store, config, "digest send", now)  # another folder or defaults than the workers'
    problems: list[str] = []  # a source due, a dump waiting in the inbox: in the digests, as in a pass's
    bugs = TickFailures()  # a bug met fetching or reading the inbox (with DIGEST_DEBUG): its traceback once
    # another worker's fetch or ingest under way (PostgreSQL): waited for, so these digests hold it
    fetched = fetch_first(
        config,
        store,
        profiles,
        now,
        problems,
        http,
        stop,
        say_bugs=say_bugs,
        say_failures=False,
        wait=True,
        retrying=retrying,
        bugs=bugs,
    )
    ingested, still_written = read_inbox(
        config, store, now, problems, say_bugs, wait=True, stop=stop, say_failures=False, bugs=bugs
    )
    ingested = dataclasses.replace(
        ingested, problems=tuple(dict.fromkeys(ingested.problems + tuple(problems)))
    )
    # a renamed profile: the same reader; a removed one: the links signed before open nothing
    carried = carry_and_look(config, store, profiles, now)
    profiles = carried.serving(profiles)  # but one whose carry-over waits: nothing for it yet
    try:
        planned = plan_send(config, store, profiles, now, force=force, untried=untried)
    except EmbeddingsStopped as e:  # what was fetched and taken in so far is stored: said by the caller
        return SendReport(
            planned=(),
            queued=(),
            delivered=(),
            continued=tuple(carried.done),
            waiting=tuple(carried.waiting),
            ingested=ingested,
            still_written=tuple(still_written),
            fetched=tuple(fetched),
            given_up=str(e),
        )
    users = [p.profile.user for p in planned if p.action in (NEW, ALREADY, NOTHING)]
    renamed = {c.old for c in carried.waiting}  # a renamed reader's, to be carried over: not removed
    removed = [user for user in removed_waiting(store) if user not in renamed and user not in users]
    if everyone:  # a removed reader's retry: held now (StillWanted.removed), not left waiting for good
        users += removed
    on_server = functools.partial(on_server_clock, skew=skew)  # the messages' due times
    if untried and not config.smtp_given:  # nothing here sends by SMTP: what an older `--to-dir` left is its
        outbox.for_files_before_37(users)
    outbox.retry_now(users, on_server(now), untried)
    todo = [(p.digest, p.period) for p in planned if p.action == NEW and p.digest is not None]
    if not force:
        _clear_stale(store, [p for p in planned if p.action == NEW])
    unbuilt: list[SendOutcome] = []
    queued: list[str] = []
    dropped: list[GivenAway] = []

    def make(failures: list[SendOutcome], part: slice) -> Iterator[NewMessage]:
        return made_ahead(config, todo[part], renderer, now, failures, backstop=not force)

    # made in child processes (a part of the readers each), while earlier ones are sent
    made: Forked | None = None
    if todo:
        makers, nice = makers_for(config, sender), maker_nice(config, sender)
        made = Forked(make, unbuilt, count=len(todo), makers=makers, nice=nice)
    try:
        delivered = deliver_due(
            config,
            store,
            sender,
            now,
            users=users,
            fresh=_Noted(made, queued) if made is not None else None,
            fresh_count=len(todo),
            progress=progress,
            stop=stop,
            dropped=dropped,
            wall=lambda: on_server(wall_clock()),
            on_server=on_server,
            unrecorded=unrecorded,
            untried=untried,
        )
    finally:
        if made is not None:  # the child (and what reads ahead of it) stopped, whatever happened
            made.close()
    # a reader whose period's digest another send or worker queued meanwhile: said as one done before
    # (an outcome of an earlier digest, retried now, is not: the period's row is said beside its row)
    seen = {o.user for o in delivered if o.message_id in queued} | {o.user for o in unbuilt}
    seen |= {d.user for d in dropped}
    mine = (NEW,) if force else (NEW, NOTHING)  # nothing new: another's digest took the papers meanwhile
    before = {p.profile.user for p in planned if p.action in mine}
    planned, others = queued_by_others(store, planned, queued, seen, now, mine, ALREADY)
    meanwhile = {p.profile.user for p in planned if p.action == ALREADY} & before
    latest = Outbox(store).latest_entries([p.profile.user for p in planned if p.action == ALREADY])
    said = {e.id for e in latest.values()} | others  # in its reader's line already
    held = held_by_others(store, users, worker_id(), on_server(wall_clock()))
    for h in held:  # left to them
        if h.id not in said:
            log.warning("%s", held_note(h, now))
    untouched: list[OutboxEntry] = []
    if not (stop is not None and stop.is_set()) and not untried:
        tried = {o.message_id for o in delivered}
        planned = left_untried(planned, latest, tried, {h.id for h in held}, now, ALREADY)
        # not the period's digest of a reader here (said in its row), nor one tried or held (said so)
        skip = {o.message_id for o in delivered} | {p.period_digest for p in planned} | set(queued)
        served = {p.profile.user for p in planned if p.action in (NEW, ALREADY, NOTHING)}
        untouched = [
            e
            for e in outbox.entries(QUEUED)
            if e.user in served and e.message_id not in skip and e.id not in said | {h.id for h in held}
        ]
    counts = outbox.paper_counts([e.id for e in untouched])
    return SendReport(
        tuple(planned),
        tuple(queued),
        tuple(unbuilt) + tuple(delivered),
        tuple(carried.done),
        tuple(carried.waiting),
        tuple(dropped),
        ingested,
        tuple(still_written),
        tuple(fetched),
        () if everyone else tuple(removed),
        kept=tuple(m for m in outbox.entries(QUEUED) if for_email(m) and m.user in users) if untried else (),
        meanwhile=tuple(sorted(meanwhile)),
        untouched=tuple((e, counts.get(e.id, 0)) for e in untouched),
    )


def _clear_stale(store: Store, new: Sequence[Planned]) -> None:
    """The backstop rows that would keep a reader who moved west from their digest (see
    claims.clear_stale_periods): their period's date was marked done in an earlier zone,
    whatever their last period is now (a later move, or `send --force`, may have put it back).
    Asked for every reader with a new digest: a reader without such a row costs one index
    look-up, less than reading their schedule states again to leave them out."""
    if new:
        with store.transaction():
            clear_stale_periods(
                store,
                [
                    (p.profile.user, p.period, day_begins(p.profile, dt.date.fromisoformat(p.period)))
                    for p in new
                ],
            )


class _Noted:
    """The messages of ``made``, each Message-ID noted in ``ids`` as it is taken. Its
    :meth:`close` closes ``made``'s stream in turn (deliver_due closes it once done with it), so
    that what stopping the maker raises (a second Ctrl-C in its wait) reaches the caller: a
    generator in between would close it only as it is dropped, where an error is just printed."""

    def __init__(self, made: Forked, ids: list[str]) -> None:
        self.made, self.ids = made, ids
        self.stream = iter(made)

    def poll(self) -> bool:
        return self.made.poll()

    def __iter__(self) -> Iterator[NewMessage]:
        return self

    def __next__(self) -> NewMessage:
        message = next(self.stream)
        self.ids.append(message.message_id)
        return message

    def close(self) -> None:
        self.stream.close()
