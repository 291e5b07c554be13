"""`digest status`: the last ingest, each reader's last and next digest, what failed or waits."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from digest.config import Config
from digest.daemon.agree import alive, running_worker
from digest.daemon.claims import Worker, workers
from digest.daemon.clocks import server_time
from digest.daemon.failed_days import failed_days, made_at
from digest.daemon.fetching import quiet_time
from digest.daemon.holders import long_held
from digest.daemon.missed import missed_readers, papers_waiting
from digest.daemon.notes import LAST_PASS, failures_from, reader_failures
from digest.daemon.removals import dropped_since
from digest.daemon.renamed import copies, pending
from digest.daemon.status_readers import ReaderStatus, missed_note, reader_lines, shown_at
from digest.daemon.status_workers import worker_lines
from digest.daemon.tick import PATIENCE
from digest.daemon.waiting import fetched_for, waiting_note
from digest.db import db_errors
from digest.deliver.held_said import retry_said
from digest.deliver.outbox import FAILED, QUEUED, Outbox, OutboxEntry
from digest.deliver.retention import database_size
from digest.deliver.suppressions import UNSUBSCRIBE, Suppression, Suppressions
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.deliver.wanted import removed_readers
from digest.errors import StoreError
from digest.fetched_names import fetched_at, fetched_source
from digest.files import counted
from digest.ingest import inbox as inbox_folder
from digest.ingest.fetch import EMPTY, NOT_MODIFIED
from digest.ingest.fetch import FAILED as FETCH_FAILED
from digest.ingest.fetch_records import FetchRecord, last_fetches, rekeyed, sources_fetches, taken_since
from digest.ingest.stored_days import CATCH_UP
from digest.models import Profile
from digest.profiles.load import load_profiles_lenient, of_the_folder
from digest.select.collection import CollectionStats
from digest.slots import due_slot, missed_slot, next_slot
from digest.store import Store, iso
from digest.store_missed import PAUSED, said_missed
from digest.zone_text import config_zone_note

log = logging.getLogger(__name__)

FAILED_SHOWN = 10  # the newest dumps put aside that `status` lists (the rest are counted)
QUEUED_SHOWN = 20  # the messages waiting longest that `status` lists (the rest are counted)


@dataclass(frozen=True)
class Status:
    now: dt.datetime
    last_ingest: tuple[str, dt.date, dt.datetime] | None
    papers: int
    readers: tuple[ReaderStatus, ...]
    profile_problems: tuple[str, ...]
    waiting_dumps: tuple[Path, ...]
    failed_dumps: tuple[tuple[Path, str], ...]  # the newest FAILED_SHOWN, newest first
    queued: tuple[OutboxEntry, ...]  # every one (without its bytes); QUEUED_SHOWN listed
    failed: tuple[OutboxEntry, ...]
    # of each failed message: a later digest to the reader that was sent (when, to which address)
    sent_since: dict[int, tuple[dt.datetime, str]] = field(default_factory=dict)
    sources: tuple[tuple[str, FetchRecord | None], ...] = ()  # each configured source, its last fetch
    # of one without: the day it last asked for, whose record another source of its API took since, when
    taken: dict[str, tuple[dt.date, str, dt.datetime]] = field(default_factory=dict)
    failed_days: tuple[tuple[str, str], ...] = ()  # (source, line): a day's daily papers failed, not its last
    reader_failures: tuple[tuple[str, str], ...] = ()  # (user, why) from the daemon's last pass
    failures_from: str = LAST_PASS  # whose passes those are (PostgreSQL: each worker's latest)
    unrecorded: tuple[Accepted, ...] = ()  # accepted by the server, not recorded: delivery stopped
    suppressed: tuple[Suppression, ...] = ()
    database_bytes: int = 0
    workers: tuple[Worker, ...] = ()  # the daemons seen in the last day, with what each holds
    starting: str | None = None  # SQLite: the worker running whose row is not written yet
    failed_dumps_total: int = 0  # all of failed/ (only the newest FAILED_SHOWN are listed)
    failed_folder: Path | None = None
    inbox_problem: str | None = None  # the inbox gone, or read-only
    continued: tuple[str, ...] = ()  # renamed profiles that the next pass carries over
    copies: tuple[str, ...] = ()  # new profiles with the address of a live reader (a copy to rename?)
    profiles_folder: Path | None = None  # named when it holds no profile at all
    config_notes: tuple[str, ...] = ()  # the config's timezone: one kept for old systems (EST)
    server_now: dt.datetime | None = None  # now on the database server's clock, as the workers' rows are
    running: str | None = None  # SQLite: the worker holding the daemon's lock ("": none); None: not known
    held: tuple[str, ...] = ()  # PostgreSQL: duties' locks whose holder has been silent past PATIENCE
    given_away: tuple[tuple[str, str, str], ...] = ()  # removed readers' digests sent to nobody (removals)
    leaving: tuple[tuple[OutboxEntry, str], ...] = ()  # removed readers' waiting messages: held when tried


def _index_new_papers(config: Config) -> bool:
    """The collection statistics brought up to date (what ranking a window needs, and what a
    read-only look at the database cannot write), through a connection that may write: after
    `digest ingest`, before anything ranked. False on a disk that takes no writes."""
    try:
        with Store(config.database) as store:
            CollectionStats(store).refresh()
    except (*db_errors(), StoreError, OSError):
        return False
    return True


def _counted(store: Store, config: Config, active: list[Profile], now: dt.datetime) -> dict[str, int]:
    """digest.daemon.missed.papers_waiting; papers stored since anything last ranked (`digest ingest` does not
    index them) are indexed first, unless the disk takes no writes: then nothing is counted."""
    try:
        return papers_waiting(store, config, active, now)
    except (*db_errors(), StoreError) as e:
        why: Exception = e
    if _index_new_papers(config):
        try:
            return papers_waiting(store, config, active, now)
        except (*db_errors(), StoreError) as e:
            why = e
    log.warning("next digests not counted: %s", why)
    return {}


def collect_status(config: Config, now: dt.datetime, wall: dt.datetime | None = None) -> Status:
    """What `digest status` shows at ``now``; ``wall``: this machine's clock (by default read
    now), whose skew off the database server's is left out of the workers' times."""
    profiles, problems = load_profiles_lenient(config)
    waiting = tuple(inbox_folder.candidates(config.inbox)) if config.inbox.is_dir() else ()
    with Store(config.database, readonly=True) as store:
        outbox = Outbox(store)
        recorded = last_fetches(store)  # every record, by the name it was fetched under: read once
        fetches = sources_fetches(store, config.sources, recorded)  # by the names now: a renamed one's own
        sources = tuple(
            (s.name, (f := fetches.get(s.name)) and rekeyed(f, s, config)) for s in config.sources
        )
        # no record under its name (its fetches' taken by another's, renamed or removed since: not its own)
        unkept = (s for s in config.sources if s.name not in recorded)
        taken = {s.name: t for s in unkept if (t := taken_since(store, s))}
        suppressions = Suppressions(store)
        blocked = {p.user: s for p in profiles if (s := suppressions.blocking(p)) is not None}
        active = [p for p in profiles if not p.paused and p.user not in blocked]
        upcoming = _counted(store, config, active, now)
        queued = outbox.entries(QUEUED)  # a removed reader's is held when tried, never sent
        removed = removed_readers(config, suppressions, {m.user for m in queued}, now)
        readers = []
        continued = {c.new: c for c in pending(config, store, profiles, now)}  # made by the next pass
        was = {p.user: continued[p.user].old if p.user in continued else p.user for p in profiles}
        users = list(was.values())
        states, delivered = store.schedule_states(users), store.last_delivered(users)
        paused = said_missed(store, [p.user for p in profiles], PAUSED)  # send times they were paused at
        grace = config.scheduler.grace
        for p in profiles:
            state = states.get(was[p.user])
            last = delivered.get(was[p.user])
            period, last_at = state if state else (None, None)
            due = due_slot(p, now, period, config.scheduler.grace, last_at)
            nxt = due.at if due else (s.at if (s := next_slot(p, now, period, last_at)) else None)
            note = "paused" if p.paused else ("due now" if due else "")
            poll = dt.timedelta(seconds=config.scheduler.poll_seconds)
            if p.user in blocked:  # paused, or in their due window, too: no digest is made until released
                kept = blocked[p.user].kind == UNSUBSCRIBE
                note = "unsubscribed (kept in the database)" if kept else "suppressed (hard bounce)"
            elif due and config.sources and now - due.at > poll:  # the daemon had its chance: why not?
                for_it = [
                    (fetches.get(src.name), fetched_for(src, p, due.at, config)) for src in config.sources
                ]
                note = waiting_note(for_it)
            elif (
                not note
                and p.user not in continued
                and (gone := missed_slot(p, now, period, grace, last_at, paused.get(p.user))) is not None
                and missed_readers([(p, gone)], upcoming)
            ):
                note = missed_note(p.user, gone.at, config.scheduler.grace, p.timezone)
            when = {"daily": "daily", "weekdays": "weekdays"}.get(
                p.frequency, f"weekly ({['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][p.weekday]})"
            )
            readers.append(
                ReaderStatus(
                    p.user,
                    p.email,
                    f"{when} {p.send_at:%H:%M} {p.timezone}",
                    last,
                    None if p.paused or p.user in blocked else nxt,
                    note,
                    None if p.user in continued else upcoming.get(p.user),
                    p.timezone,
                )
            )
        listed_since = now - dt.timedelta(days=config.delivery.keep_days)  # failures, until retention
        failed, failed_total = inbox_folder.failed_dumps(config.inbox, FAILED_SHOWN)
        running = running_worker(config)
        server_now = server_time(store, now, wall)
        found = workers(store, server_now, alive(config), running)
        return Status(
            now=now,
            last_ingest=_ingested(store.last_ingest(), recorded),
            papers=store.paper_count(),
            readers=tuple(readers),
            profile_problems=tuple(problems),
            waiting_dumps=waiting,
            failed_dumps=tuple(failed),
            failed_dumps_total=failed_total,
            failed_folder=config.inbox / inbox_folder.FAILED,
            inbox_problem=inbox_folder.problem(config.inbox, config.path),
            queued=tuple(m for m in queued if m.user not in removed),
            leaving=tuple((m, removed[m.user]) for m in queued if m.user in removed),
            failed=(gone := tuple(m for m in outbox.entries(FAILED) if m.created_at >= listed_since)),
            sent_since=outbox.sent_after(gone),  # a later digest to the same reader, sent
            sources=sources,
            taken=taken,
            failed_days=tuple(failed_days(store, config, fetches, now)),
            reader_failures=tuple(reader_failures(store).items()),
            failures_from=failures_from(store),
            unrecorded=tuple(Unrecorded(config.database).entries()),
            suppressed=tuple(blocked.values()),
            database_bytes=database_size(store),
            workers=tuple(found),
            starting=running if running and running not in {w.id for w in found} else None,
            running=running,
            server_now=server_now,
            held=tuple(long_held(store, server_now, max([PATIENCE, *map(quiet_time, config.sources)]))),
            continued=tuple(c.describe() for c in continued.values()),
            copies=tuple(copies(store, [p for p in profiles if p.user not in continued])),
            profiles_folder=config.profiles,
            config_notes=tuple(n for n in [config_zone_note(config.path, config.timezone)] if n),
            given_away=tuple(dropped_since(store.db, iso(listed_since))),
        )


def _ingested(
    last: tuple[str, dt.date, dt.datetime] | None, fetches: dict[str, FetchRecord]
) -> tuple[str, dt.date, dt.datetime] | None:
    """The listing stored last (:meth:`Store.last_ingest`), a fetch's catch-up's (recorded a second
    apart before that fetch: failed_days.made_at) said at that fetch's time, as its source's line:
    not "at 05:59" above a fetch "at 06:00"."""
    if last is None or not fetched_source(last[0]):  # a dump of the inbox: when it was read
        return last
    path, day, at = last
    named = fetched_at(path)  # the time of the fetch that made it, a fetch before the last's too
    if named is not None and dt.timedelta(0) < named - at <= dt.timedelta(seconds=CATCH_UP):
        return path, day, named
    return path, day, next((m for f in fetches.values() if (m := made_at(at, f)) != at), at)


# a source whose last fetch's record (one an address) another source of its API took since: its time
# and outcome not kept (before: "fetched the list of" of one whose fetch of it had failed)
TAKEN = "Source {}: asked for the list of {} (when, and what came, is not kept: {} asked for it since, at {})"


def format_status(s: Status, every_reader: bool = False) -> str:
    """What `digest status` prints; ``every_reader``: the readers' table whole (--readers)."""
    lines = []
    if s.last_ingest:
        source, day, at = s.last_ingest
        lines.append(f"Last ingest: {Path(source).name} (listing of {day}) at {shown_at(at)}")
    else:
        lines.append("Last ingest: none yet")
    lines.append(f"Papers stored: {s.papers}")
    lines.append(f"Database: {s.database_bytes / 1e6:.1f} MB")
    for name, f in s.sources:
        if name in s.taken:  # its last fetch's record taken by another's ask of its address
            day, other, at = s.taken[name]
            lines.append(TAKEN.format(name, day, other, shown_at(at)))
            continue
        if f is None:
            lines.append(f"Source {name}: never fetched")
            continue
        what = {EMPTY: "no listing (nothing new)", NOT_MODIFIED: "not modified", FETCH_FAILED: "FETCH FAILED"}
        lines.append(
            f"Source {name}: {what.get(f.outcome, 'fetched')} at {shown_at(f.ran)}: {f.detail}"
            + (
                f" (last success {shown_at(made_at(f.succeeded_ran, f))})"  # a catch-up: its fetch's time
                if f.outcome == FETCH_FAILED and f.succeeded_at
                else ""
            )
            + (f"; the server asked not to be asked before {shown_at(f.retry_at)}" if f.retry_at else "")
        )
        lines += [f"  and {line}" for source, line in s.failed_days if source == name]
    lines.append("")
    lines += reader_lines(s.readers, every_reader)
    if not s.readers:
        empty = s.profiles_folder is not None and not s.profile_problems
        lines.append(f"(no readers: {s.profiles_folder} holds no <user>.yaml)" if empty else "(no readers)")
    folder = [p for p in s.profile_problems if s.profiles_folder and of_the_folder(s.profiles_folder, p)]
    sections = [
        ("Configuration notes", list(s.config_notes)),
        ("Profiles folder problem (no reader's file read)", folder),  # not there: no profile skipped
        ("Profiles with errors (skipped)", [p for p in s.profile_problems if p not in folder]),
        ("Renamed profiles (carried over by the next `digest send` or daemon pass)", list(s.continued)),
        ("New profiles with a live reader's address (a copy made to rename?)", list(s.copies)),
        (
            f"Readers whose digest could not be made ({s.failures_from})",
            [f"{u}: {w}" for u, w in s.reader_failures],
        ),
        (
            "Workers (one stopped signs off; one killed or of an older release is listed a day)",
            worker_lines(s),
        ),
        ("Duties held up (a pass waits for them, then goes on without)", list(s.held)),
        ("Inbox problem", [s.inbox_problem] if s.inbox_problem else []),
        ("Dumps waiting in the inbox", [str(p) for p in s.waiting_dumps]),
        (
            "Dumps that failed (newest first)",
            [why if why.startswith(f"{p}:") else f"{p}: {why}" for p, why in s.failed_dumps]  # named once
            + (
                [f"... and {s.failed_dumps_total - len(s.failed_dumps)} older, in {s.failed_folder}"]
                if s.failed_dumps_total > len(s.failed_dumps)
                else []
            ),
        ),
        (
            "Messages waiting to be sent",
            [queued_line(m) for m in s.queued[:QUEUED_SHOWN]]
            + [
                f"... and {more} more (the {QUEUED_SHOWN} waiting longest are listed; "
                "`digest status --queued` lists them all)"
                for more in _unlisted(s)
            ],
        ),
        (
            "Removed readers' digests waiting (held, not sent: by the daemon's pass when the retry is due, "
            "or by `digest send` without --user now)",
            [f"{m.user} <{m.recipient}> (made {shown_at(m.created_at)}): {why}" for m, why in s.leaving],
        ),
        (
            "Messages that failed for good",
            [
                f"{m.user} <{m.recipient}> ({shown_at(m.created_at)}): {m.last_error}"
                + (_sent_since(m.recipient, *s.sent_since[m.id]) if m.id in s.sent_since else "")
                for m in s.failed
            ],
        ),
        (
            "Digests sent to nobody (planned for a reader whose profile file was then removed)",
            [
                f"{user} (file found gone {shown_at(dt.datetime.fromisoformat(at))}): {what} not sent: "
                "the name has no file or another reader's now"
                for user, at, what in s.given_away
            ],
        ),
        (
            "Suppressed readers (hard bounce, or unsubscribed while their file could not be read or written; "
            "`digest suppressed --release USER`)",
            [f"{x.user} {x.describe()}" for x in s.suppressed],
        ),
    ]
    if s.unrecorded:
        sections.insert(
            0,
            (
                "DELIVERY STOPPED: the server accepted these digests but recording them failed "
                "(disk full or read-only?); nothing is sent until they are recorded",
                [f"{a.user} <{a.recipient}> at {shown_at(a.at)}: {a.reply}" for a in s.unrecorded],
            ),
        )
    for title, items in sections:
        if items:
            lines += ["", f"{title}:"] + [f"  {item}" for item in items]
    return "\n".join(lines)


def queued_line(m: OutboxEntry) -> str:
    """A queued message's line, in `status` and `status --queued`: its reader, attempts, next try
    and last reply."""
    line = f"{m.user} <{m.recipient}>: {counted(m.attempts, 'attempt')}, next {retry_said(m.next_attempt_at)}"
    return line + (f", last reply: {m.last_error}" if m.last_error else "")


def _unlisted(s: Status) -> list[int]:
    """How many queued messages `status` does not list, if any."""
    return [len(s.queued) - QUEUED_SHOWN] if len(s.queued) > QUEUED_SHOWN else []


def _sent_since(refused: str, at: dt.datetime, to: str) -> str:
    """The note beside a message that failed for good: a later digest went, and where, if the
    reader's address is not the one that refused (changed since)."""
    return f" (a later digest was sent{'' if to == refused else f' to {to}'} at {shown_at(at)})"
