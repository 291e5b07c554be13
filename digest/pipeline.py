"""The phased functions that the CLI, the demo and the scheduler all call.

ingest()        dump files -> listings -> store (one transaction per dump)
build_digests() store + profiles -> one Digest per reader (unsent papers, best first)
send_digests()  Digest -> rendered -> message -> sender; recorded only once accepted
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from digest.config import Config
from digest.delivery import RetryPolicy, Sender, SenderFactory, SendOutcome, deliver_due
from digest.errors import DigestError, DumpError
from digest.mail import Envelope, SendResult, build_message, message_id, unsubscribe_links
from digest.matcher import PaperIndex
from digest.models import Digest, Match, Profile
from digest.outbox import Outbox
from digest.render import Rendered, Renderer
from digest.sources import read_dump
from digest.store import IngestResult, Store

log = logging.getLogger(__name__)

# Delivery lives in digest.delivery; these names stay importable from here.
__all__ = ["Envelope", "RetryPolicy", "SendOutcome", "SendResult", "Sender", "deliver_due"]

DUMP_SUFFIXES = {".txt", ".text", ""}


@dataclass(frozen=True)
class IngestFailure:
    source: Path
    error: str


@dataclass(frozen=True)
class IngestReport:
    results: tuple[IngestResult, ...]
    failures: tuple[IngestFailure, ...]


def inbox_files(inbox: Path) -> list[Path]:
    """Dump files waiting in the inbox (top level only; hidden and temporary files skipped)."""
    if not inbox.is_dir():
        raise DigestError(f"{inbox}: the inbox folder does not exist; create it or fix `inbox:`")
    return sorted(
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in DUMP_SUFFIXES
    )


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


def rank_all(store: Store, profile: Profile, limit: int | None = None) -> list[Match]:
    return PaperIndex.build(store.papers()).rank(profile, limit)


def build_digests(store: Store, profiles: Sequence[Profile]) -> list[Digest]:
    """For every reader: the best papers they have not been sent (nor have queued), at most max_papers."""
    index = PaperIndex.build(store.papers())
    outbox = Outbox(store)
    digests = []
    for profile in profiles:
        taken = outbox.reserved_paper_ids(profile.user)
        matches = [m for m in index.rank(profile) if m.paper.id not in taken][: profile.max_papers]
        day = store.latest_day(m.paper.id for m in matches)
        digests.append(Digest(profile=profile, matches=tuple(matches), day=day))
    return digests


@dataclass(frozen=True)
class Outgoing:
    digest: Digest
    rendered: Rendered
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


def prepare(config: Config, digest: Digest, renderer: Renderer, now: dt.datetime) -> Outgoing:
    """Render a digest and wrap it into the message that would be sent."""
    profile = digest.profile
    links = unsubscribe_links(profile, config.smtp.sender, config.base_url)
    rendered = renderer.render(digest, links=links)
    msg_id = message_id(profile.user, now, config.smtp.sender)
    msg = build_message(rendered, profile, config.smtp.sender, msg_id, now, links)
    return Outgoing(digest, rendered, msg)


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
    batch: list[tuple[Digest, Outgoing, bytes]] = []

    def flush() -> None:
        with store.transaction():  # nothing is sent before this commits: a crash loses nothing
            for digest, out, mime in batch:
                outbox.enqueue(
                    user=digest.profile.user,
                    recipient=digest.profile.email,
                    message_id=out.message_id,
                    subject=out.rendered.subject,
                    mime=mime,
                    paper_ids=digest.paper_ids,
                    now=now,
                )
        queued.extend(out.message_id for _, out, _ in batch)
        batch.clear()

    for digest in digests:
        if not digest.matches:
            continue
        out = prepare(config, digest, renderer, now)
        batch.append((digest, out, out.message.as_bytes(policy=out.message.policy.clone(linesep="\r\n"))))
        if len(batch) >= QUEUE_BATCH:
            flush()
    if batch:
        flush()
    return queued


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
