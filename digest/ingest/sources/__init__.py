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
from pathlib import Path

from digest.errors import DumpError
from digest.ingest.sources import atom, hf_daily, rss, trending
from digest.ingest.sources.decode import decode
from digest.models import Listing


def read_dump(
    path: str | os.PathLike[str], *, mtime: dt.datetime | None = None, replacements: bool = False
) -> Listing:
    """Parse one dump. ``mtime`` (default: the file's) anchors the year of the listing's day;
    ``replacements``: keep the arXiv feeds' replaced papers (skipped by default)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if mtime is None:
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError as e:
        raise DumpError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_dump(raw, path, mtime, replacements=replacements)


def parse_dump(raw: bytes, path: Path, mtime: dt.datetime, *, replacements: bool = False) -> Listing:
    lines = decode(raw, path)
    if trending.sniff(lines):
        return trending.parse(lines, path, mtime)
    text = "\n".join(lines)
    if hf_daily.sniff(text):
        return hf_daily.parse(text, path, mtime)
    for feed in (atom, rss):
        if feed.sniff(text):
            return feed.parse(text, path, mtime, replacements=replacements)
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
    raise DumpError(
        f"{path}:{first}: not a listing dump this tool can read: expected the header of a "
        'trending-papers page ("new", ..., then a day such as "Mar 14"), the Hugging Face daily '
        "papers JSON (an array), or an arXiv Atom or RSS feed"
    )
