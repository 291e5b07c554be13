"""Readers for listing dumps, one per format, chosen by sniffing the content.

``read_dump(path)`` is the single entry point: it decodes the file (UTF-8, BOM allowed,
any line ending), asks each reader whether it recognises the text, and returns a
:class:`~digest.models.Listing` or raises :class:`~digest.errors.DumpError` naming the
file and line.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from digest.errors import DumpError
from digest.ingest.sources import trending
from digest.ingest.sources.decode import decode
from digest.models import Listing

READERS = (trending,)


def read_dump(path: str | os.PathLike[str], *, mtime: dt.datetime | None = None) -> Listing:
    """Parse one dump. ``mtime`` (default: the file's) anchors the year of the listing's day."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if mtime is None:
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError as e:
        raise DumpError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_dump(raw, path, mtime)


def parse_dump(raw: bytes, path: Path, mtime: dt.datetime) -> Listing:
    lines = decode(raw, path)
    for reader in READERS:
        if reader.sniff(lines):
            return reader.parse(lines, path, mtime)
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
    raise DumpError(
        f"{path}:{first}: not a listing dump this tool can read: expected the header of a "
        'trending-papers page ("new", ..., then a day such as "Mar 14")'
    )
