"""A dump's text parsed as `digest ingest` parses day.txt, modified 2026-03-20 at 09:00 (parse)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.ingest.sources import parse_dump

MTIME = dt.datetime(2026, 3, 20, 9, 0)


def parse(raw: str):
    return parse_dump(raw.encode(), Path("day.txt"), MTIME)
