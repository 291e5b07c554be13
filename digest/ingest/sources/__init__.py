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

# Limits (README, "Listing dumps"): far above any real dump (the largest seen: 185 KB, 108
# papers, 1,920-character abstracts), low enough that one bad file cannot make every later
# `rank` and `send` take minutes and gigabytes. A dump over one is refused whole.
MAX_DUMP_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = trending.MAX_ENTRIES
MAX_PARAGRAPH = trending.MAX_PARAGRAPH


def read_dump(path: str | os.PathLike[str], *, mtime: dt.datetime | None = None) -> Listing:
    """Parse one dump. ``mtime`` (default: the file's) anchors the year of the listing's day."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_DUMP_BYTES:
            raise DumpError(
                f"{path}: the file is {size / 2**20:.1f} MB, over the limit of {MAX_DUMP_BYTES // 2**20} MB "
                "for a dump; nothing of it was read"
            )
        raw = path.read_bytes()
        if mtime is None:
            mtime = dt.datetime.fromtimestamp(path.stat().st_mtime)
    except OSError as e:
        raise DumpError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_dump(raw, path, mtime)


def parse_dump(raw: bytes, path: Path, mtime: dt.datetime) -> Listing:
    if len(raw) > MAX_DUMP_BYTES:
        limit = MAX_DUMP_BYTES // 2**20
        raise DumpError(f"{path}: {len(raw):,} bytes, over the limit of {limit} MB for a dump")
    lines = decode(raw, path)
    for reader in READERS:
        if reader.sniff(lines):
            return reader.parse(lines, path, mtime)
    first = next((i for i, line in enumerate(lines, 1) if line.strip()), 1)
    raise DumpError(
        f"{path}:{first}: not a listing dump this tool can read: expected the header of a "
        'trending-papers page ("new", ..., then a day such as "Mar 14")'
    )
