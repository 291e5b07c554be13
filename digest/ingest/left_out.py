"""What a fetch's record (and `digest fetch`'s line) says of the items a fetched document's
reader left out, each named in the log with why."""

from __future__ import annotations

import logging
from pathlib import Path

from digest.config import SourceConfig
from digest.models import Listing

log = logging.getLogger("digest.ingest.fetch")  # said as the fetch's own lines were


def said(
    listing: Listing, source: SourceConfig, url: str, saved: Path | None, say_failure: bool = True
) -> str:
    """What the fetch record says of the items left out; the log names each, with why (without
    ``say_failure``, only when they are more than the record names: the caller's line says them)."""
    reasons = [r.removeprefix(f"{listing.source}: ") for r in listing.skipped]
    for reason in reasons if say_failure or len(reasons) > NAMED else ():
        log.warning("fetched from %s (%s): left out %s (the document: %s)", source.name, url, reason, saved)
    if not reasons:
        return ""
    more = f"; and {len(reasons) - NAMED} more (the log names each)" if len(reasons) > NAMED else ""
    items = "item" if len(reasons) == 1 else "items"
    return f"; {len(reasons)} unreadable {items} left out: " + "; ".join(reasons[:NAMED]) + more


NAMED = 3  # the items left out that a fetch's record (and `digest fetch`'s line) names
