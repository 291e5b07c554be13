"""What a fetch's record (and `digest fetch`'s line) says of the items a fetched document's
reader left out, and of the links it left out of the items it kept, each named in the log with why;
and what a dump's line (`digest ingest`: told.taken_in) says of the links it left out, in the same words."""

from __future__ import annotations

import logging
from pathlib import Path

from digest.config import SourceConfig
from digest.models import Listing

log = logging.getLogger("digest.ingest.fetch")  # said as the fetch's own lines were


def said(
    listing: Listing, source: SourceConfig, url: str, saved: Path | None, say_failure: bool = True
) -> str:
    """What the fetch record says of the items left out, then of the items kept whose links were
    left out (``Listing.unlinked``); the log names each, with why (without ``say_failure``, only
    when they are more than the record names: the caller's line says them)."""
    text = ""
    for told, what, reasons in (
        ("left out", "unreadable {} left out", listing.skipped),
        ("left out a link of", "{} kept without a link", listing.unlinked),  # the paper is kept
    ):
        reasons = tuple(r.removeprefix(f"{listing.source}: ") for r in reasons)
        for reason in reasons if say_failure or len(reasons) > NAMED else ():
            log.warning(
                "fetched from %s (%s): %s %s (the document: %s)", source.name, url, told, reason, saved
            )
        text += named(what, reasons)
    return text


def named(what: str, reasons: tuple[str, ...]) -> str:
    """``what`` (with a "{}" for item or items) the reasons say, the first :data:`NAMED` of them."""
    if not reasons:
        return ""
    more = f"; and {len(reasons) - NAMED} more (the log names each)" if len(reasons) > NAMED else ""
    items = what.format("item" if len(reasons) == 1 else "items")
    return f"; {len(reasons)} {items}: " + "; ".join(reasons[:NAMED]) + more


def unlinked_in_dump(listing: Listing) -> tuple[str, ...]:
    """A dump's links left out (``Listing.unlinked``), each without the dump's name its line begins
    with; logged each, as a fetch logs them, when they are more than its line names."""
    reasons = tuple(r.removeprefix(f"{listing.source}: ") for r in listing.unlinked)
    for reason in reasons if len(reasons) > NAMED else ():
        logging.getLogger("digest.ingest.dumps").warning(
            "ingesting %s: left out a link of %s", listing.source, reason
        )
    return reasons


NAMED = 3  # the items left out that a fetch's record (and `digest fetch`'s line) names
