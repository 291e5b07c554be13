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
from pathlib import Path
from typing import Protocol

from digest.config import Config
from digest.errors import DigestError, DumpError
from digest.mail import SendResult, build_message, message_id, unsubscribe_links
from digest.matcher import PaperIndex
from digest.models import Digest, Match, Profile
from digest.render import Rendered, Renderer
from digest.sources import read_dump
from digest.store import IngestResult, Store

log = logging.getLogger(__name__)

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
    """For every reader: the best papers they have not been sent, at most max_papers."""
    index = PaperIndex.build(store.papers())
    digests = []
    for profile in profiles:
        sent = store.sent_paper_ids(profile.user)
        matches = [m for m in index.rank(profile) if m.paper.id not in sent][: profile.max_papers]
        day = store.latest_day(m.paper.id for m in matches)
        digests.append(Digest(profile=profile, matches=tuple(matches), day=day))
    return digests


class Sender(Protocol):
    def send(self, msg: object) -> SendResult: ...


@dataclass(frozen=True)
class Outgoing:
    digest: Digest
    rendered: Rendered
    message_id: str
    message: object  # EmailMessage


@dataclass(frozen=True)
class SendOutcome:
    user: str
    email: str
    papers: int
    message_id: str
    ok: bool
    reply: str


def prepare(config: Config, digest: Digest, renderer: Renderer, now: dt.datetime) -> Outgoing:
    """Render a digest and wrap it into the message that would be sent."""
    profile = digest.profile
    links = unsubscribe_links(profile, config.smtp.sender, config.base_url)
    rendered = renderer.render(digest, links=links)
    msg_id = message_id(profile.user, digest.paper_ids, config.smtp.sender)
    msg = build_message(rendered, profile, config.smtp.sender, msg_id, now, links)
    return Outgoing(digest, rendered, msg_id, msg)


def send_digests(
    config: Config,
    store: Store,
    digests: Sequence[Digest],
    sender: Sender,
    now: dt.datetime,
    renderer: Renderer | None = None,
) -> list[SendOutcome]:
    """Send each non-empty digest; its papers count as sent only once the server accepted it."""
    renderer = renderer or Renderer(config.templates)
    outcomes = []
    for digest in digests:
        if not digest.matches:
            continue
        out = prepare(config, digest, renderer, now)
        result = sender.send(out.message)
        profile = digest.profile
        if result.ok:
            store.record_delivery(profile.user, out.message_id, profile.email, digest.paper_ids, now)
            log.info("digest sent to %s <%s>: %d papers", profile.user, profile.email, len(digest.matches))
        else:
            log.error("digest to %s <%s> failed: %s", profile.user, profile.email, result.reply)
        outcomes.append(
            SendOutcome(
                profile.user, profile.email, len(digest.matches), out.message_id, result.ok, result.reply
            )
        )
    return outcomes
