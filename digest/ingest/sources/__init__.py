"""Readers for listing dumps, one per format, chosen by sniffing the content.

``read_dump(path)`` is the single entry point: it decodes the file (UTF-8, BOM allowed,
any line ending), asks each reader whether it recognises the text, and returns a
:class:`~digest.models.Listing` or raises :class:`~digest.errors.DumpError` naming the
file and line. The formats: the plain-text trending page (``trending``), the Hugging Face
daily papers JSON (``hf_daily``), arXiv's Atom (``atom``: query API and listing feeds) and the
RSS 2.0 listing feeds (``rss``). Each reader's docstring lists the fields it keeps and ignores.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.errors import DumpError, ItemError
from digest.ingest.sources import atom, hf_daily, rss, trending
from digest.ingest.sources.decode import decode
from digest.models import Listing

# Limits (README, "Listing dumps"): far above any real dump (the largest seen: 185 KB, 108
# papers, 1,920-character abstracts), low enough that one bad file cannot make every later
# `rank` and `send` take minutes and gigabytes. A dump over one is refused whole.
MAX_DUMP_BYTES = 10 * 1024 * 1024
_HTML = re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL)
MAX_ENTRIES = trending.MAX_ENTRIES
# A fetched feed of several arXiv archives (cs+math+physics on a Monday) may list over 5,000
# papers within the 10 MB: its count is bounded higher, the bytes bind first in practice.
MAX_FEED_ENTRIES = 20_000
MAX_PARAGRAPH = trending.MAX_PARAGRAPH


def read_dump(
    path: str | os.PathLike[str],
    *,
    mtime: dt.datetime | None = None,
    replacements: bool = False,
    skip_bad_items: bool = False,
    zone: str = "UTC",
) -> Listing:
    """Parse one dump. ``mtime`` (default: the file's) anchors the year of the listing's day,
    and is the day of a feed that names none (the file's: its day in ``zone``, the config's);
    ``replacements``: keep the arXiv feeds' papers announced again (replace, replace-cross,
    absonly; skipped by default);
    ``skip_bad_items``: a JSON, Atom or RSS item that cannot be read is left out and named in
    ``Listing.skipped`` (a fetched feed's good papers are not refused for one bad one), unless
    none can be read; without it, one refuses the dump whole."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_DUMP_BYTES:
            raise DumpError(
                f"{path}: the file is {size / 2**20:.1f} MB, over the limit of {MAX_DUMP_BYTES // 2**20} MB "
                "for a dump; nothing of it was read"
            )
        raw = path.read_bytes()
        if mtime is None:  # in the config's zone, as a fetched feed's day (parse_dump: a page's year in UTC)
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, ZoneInfo(zone))
    except OSError as e:
        raise DumpError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_dump(raw, path, mtime, replacements=replacements, skip_bad_items=skip_bad_items)


def parse_dump(
    raw: bytes, path: Path, mtime: dt.datetime, *, replacements: bool = False, skip_bad_items: bool = False
) -> Listing:
    if len(raw) > MAX_DUMP_BYTES:
        limit = MAX_DUMP_BYTES // 2**20
        raise DumpError(f"{path}: {len(raw):,} bytes, over the limit of {limit} MB for a dump")
    lines = decode(raw, path)
    if trending.sniff(lines):
        # its year from the UTC day, not a zone's: the page's day (any zone, UTC-12 to UTC+14) is at
        # most a day after it (trending.parse's anchor), as it is not after a local date far west
        return trending.parse(lines, path, mtime.astimezone(dt.UTC) if mtime.tzinfo else mtime)
    text = "\n".join(lines)
    if hf_daily.sniff(text):
        return _within_limits(_items_read(hf_daily.parse(text, path, mtime), skip_bad_items))
    for feed in (atom, rss):
        if feed.sniff(text):
            listing = feed.parse(text, path, mtime, replacements=replacements)
            return _within_limits(_items_read(listing, skip_bad_items))
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
    if is_html(text):
        raise DumpError(
            f"{path}:{first}: an HTML page, not a listing (a server's error, sign-in or consent page?)"
        )
    raise DumpError(
        f"{path}:{first}: not a listing dump this tool can read: expected the header of a "
        'trending-papers page ("new", ..., then a day such as "Mar 14"), the Hugging Face daily '
        "papers JSON (an array), or an arXiv Atom or RSS feed"
    )


def is_html(text: str) -> bool:
    """Whether ``text`` begins as an HTML page does (a doctype, or an html, head or body tag)."""
    return _HTML.match(text) is not None


def _items_read(listing: Listing, skip_bad_items: bool) -> Listing:
    """The listing, if its unreadable items (``skipped``) may be left out; else the first one's error."""
    if not listing.skipped:
        return listing
    if not skip_bad_items:
        raise ItemError(listing.skipped[0])
    if not listing.entries:
        more = len(listing.skipped) - 1
        others = f" (and {more} more: no item could be read)" if more else " (its only item)"
        raise ItemError(listing.skipped[0] + others)
    return listing


def _within_limits(listing: Listing) -> Listing:
    """The limits of a JSON, Atom or RSS document (MAX_FEED_ENTRIES papers; a title or abstract
    of MAX_PARAGRAPH characters, as on the trending page): refused whole when over one."""
    where = listing.source
    if len(listing.entries) > MAX_FEED_ENTRIES:
        raise DumpError(f"{where}: more than {MAX_FEED_ENTRIES:,} papers in one document; refused whole")
    for e in listing.entries:
        for what, text in (("a title", e.title), ("an abstract", e.abstract)):
            if len(text) > MAX_PARAGRAPH:
                raise DumpError(
                    f"{where}: item {e.line}: {what} longer than {MAX_PARAGRAPH:,} characters "
                    f"({len(text):,}); the dump is refused whole"
                )
    return listing
