"""The phased functions that the CLI, the demo and the scheduler all call.

ingest()        dump files -> listings -> store (one transaction per dump)
build_digests() store + profiles -> one Digest per reader (unsent papers, best first)
send_digests()  Digest -> rendered -> message -> sender; recorded only once accepted
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from digest import inbox as inbox_folder
from digest.config import Config
from digest.delivery import RetryPolicy, Sender, SenderFactory, SendOutcome, deliver_due
from digest.errors import DumpError
from digest.mail import Envelope, SendResult, build_message, message_id, unsubscribe_links
from digest.matcher import PaperIndex
from digest.mime import message_bytes
from digest.models import Digest, Match, Profile
from digest.outbox import Outbox
from digest.ranking import Ranker, build_index
from digest.render import Rendered, Renderer
from digest.schedule import Slot, due_slot
from digest.sources import read_dump
from digest.store import IngestResult, Store
from digest.tokens import Signer

log = logging.getLogger(__name__)

# Delivery lives in digest.delivery; these names stay importable from here.
__all__ = ["Envelope", "RetryPolicy", "SendOutcome", "SendResult", "Sender", "deliver_due"]


@dataclass(frozen=True)
class IngestFailure:
    source: Path
    error: str


@dataclass(frozen=True)
class IngestReport:
    results: tuple[IngestResult, ...]
    failures: tuple[IngestFailure, ...]


def inbox_files(inbox: Path) -> list[Path]:
    """Dump files waiting in the inbox (top level; hidden and in-progress files skipped)."""
    return inbox_folder.candidates(inbox)


def ingest(store: Store, paths: Iterable[Path], now: dt.datetime) -> IngestReport:
    """Each dump is read whole, then stored in one transaction; a bad dump stores nothing."""
    results, failures = [], []
    for path in paths:
        try:
            listing = read_dump(path)
        except DumpError as e:
            log.warning("dump rejected: %s", e)
            failures.append(IngestFailure(Path(path), str(e)))
            continue
        result = store.add_listing(listing, now)
        log.info(
            "dump %s (%s): %d new papers, %d known%s",
            path,
            listing.day,
            result.new_papers,
            result.known_papers,
            ", already ingested" if result.already_ingested else "",
        )
        results.append(result)
    return IngestReport(tuple(results), tuple(failures))


def rank_all(
    store: Store, profile: Profile, limit: int | None = None, config: Config | None = None
) -> list[Match]:
    """Every stored paper ranked for ``profile`` (semantic matching too, if ``config`` has it on)."""
    return build_index(store, store.papers(), config).rank(profile, limit)


def build_digests(
    store: Store, profiles: Sequence[Profile], up_to: dt.date | None = None, config: Config | None = None
) -> list[Digest]:
    """For every reader: the best papers they have not been sent (nor have queued), at most max_papers.

    ``up_to``: as of that listing day: only papers listed on or before it (for previews).
    ``config``: turns on semantic matching when it says so (keywords only without it).
    """
    index = build_index(store, store.papers(up_to=up_to), config)
    outbox = Outbox(store)
    taken = [outbox.reserved_paper_ids(profile.user) for profile in profiles]
    # The best max_papers that are not taken: what filtering a full ranking would keep.
    if isinstance(index, PaperIndex):  # keywords only: all readers at once
        ranked = index.rank_many(profiles, limit=[p.max_papers for p in profiles], skip=taken)
    else:  # the semantic blend ranks one reader at a time
        ranked = [
            [m for m in index.rank(p) if m.paper.id not in skip][: p.max_papers]
            for p, skip in zip(profiles, taken, strict=True)
        ]
    digests = []
    for profile, matches in zip(profiles, ranked, strict=True):
        day = store.latest_day((m.paper.id for m in matches), up_to)
        digests.append(Digest(profile=profile, matches=tuple(matches), day=day))
    return digests


@dataclass(frozen=True)
class Outgoing:
    """A rendered digest and what its message needs; the message itself is built when asked for."""

    digest: Digest
    rendered: Rendered
    sender: str
    message_id: str
    now: dt.datetime
    links: dict[str, str]

    @cached_property
    def data(self) -> bytes:
        """The message as SMTP carries it (CRLF): what the outbox stores and senders send."""
        return message_bytes(*self._parts())

    @cached_property
    def message(self) -> EmailMessage:
        """The same message as an EmailMessage (its own boundary), for previews and tests."""
        return build_message(*self._parts())

    def _parts(self) -> tuple[Rendered, Profile, str, str, dt.datetime, dict[str, str]]:
        return self.rendered, self.digest.profile, self.sender, self.message_id, self.now, self.links


def prepare(config: Config, digest: Digest, renderer: Renderer, now: dt.datetime) -> Outgoing:
    """Render a digest and get ready to wrap it into the message that would be sent."""
    profile = digest.profile
    links = unsubscribe_links(profile, config.smtp.sender, config.base_url, Signer.from_config(config))
    rendered = renderer.render(digest, links=links)
    msg_id = message_id(profile.user, now, config.smtp.sender)
    return Outgoing(digest, rendered, config.smtp.sender, msg_id, now, links)


QUEUE_BATCH = 100  # messages stored per transaction


def queue_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    now: dt.datetime,
    renderer: Renderer | None = None,
) -> list[str]:
    """Render each non-empty digest and store it in the outbox; returns the Message-IDs."""
    renderer = renderer or Renderer(config.templates)
    outbox = Outbox(store)
    queued: list[str] = []
    batch: list[Outgoing] = []

    def flush() -> None:
        with store.transaction():  # nothing is sent before this commits: a crash loses nothing
            for out in batch:
                enqueue(outbox, out, now)
        queued.extend(out.message_id for out in batch)
        batch.clear()

    for digest in digests:
        if not digest.matches or digest.profile.paused:  # paused: unsubscribed, gets nothing
            continue
        batch.append(prepare(config, digest, renderer, now))
        if len(batch) >= QUEUE_BATCH:
            flush()
    if batch:
        flush()
    return queued


def enqueue(outbox: Outbox, out: Outgoing, now: dt.datetime, period: str | None = None) -> int:
    """Store a prepared message in the outbox (as the CRLF bytes SMTP will carry)."""
    return outbox.enqueue(
        user=out.digest.profile.user,
        recipient=out.digest.profile.email,
        message_id=out.message_id,
        subject=out.rendered.subject,
        mime=out.data,
        paper_ids=out.digest.paper_ids,
        now=now,
        period=period,
    )


def send_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    sender: Sender | SenderFactory | None,
    now: dt.datetime,
    renderer: Renderer | None = None,
) -> list[SendOutcome]:
    """Queue the digests, then deliver whatever is due for their readers (older retries too).

    ``sender``: a sender, a factory of senders (one per connection), or None for the
    configured transport (see digest.delivery.deliver_due)."""
    queue_digests(config, store, digests, now, renderer)
    return deliver_due(config, store, sender, now, users=[d.profile.user for d in digests])


# -- the scheduled digest --------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    user: str
    period: str
    papers: int
    message_id: str | None  # None: nothing worth sending yet (the reader stays due until grace ends)


def scheduled_digest(store: Store, index: Ranker, profile: Profile) -> Digest:
    """Papers listed since the reader's previous digest (a new reader: the latest listing),
    not sent nor queued to them, best first, at most max_papers."""
    state = store.schedule_state(profile.user)
    fresh = store.papers_listed_since(state[1]) if state else store.latest_listing_papers()
    allowed = {p.id for p in fresh} - Outbox(store).reserved_paper_ids(profile.user)
    matches = [m for m in index.rank(profile) if m.paper.id in allowed][: profile.max_papers]
    day = store.latest_day(m.paper.id for m in matches) or store.latest_day(p.id for p in fresh)
    return Digest(profile=profile, matches=tuple(matches), day=day)


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


def ingest_inbox(
    store: Store, inbox: Path, now: dt.datetime, settle: dt.timedelta
) -> tuple[IngestReport, list[Path]]:
    """Ingest the settled dumps of the inbox; move each to processed/ or failed/ (with why)."""
    ready, waiting = inbox_folder.split_ready(inbox, now, settle)
    report = ingest(store, ready, now)
    for result in report.results:
        inbox_folder.move_processed(result.source, inbox)
    for failure in report.failures:
        inbox_folder.move_failed(failure.source, inbox, failure.error)
    return report, [w.path for w in waiting]


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
    return TickReport(report, tuple(waiting), tuple(scheduled), tuple(delivered))
