"""The name of a fetched document's file, one definition for the fetch that makes it
(digest.ingest.fetch) and the readers of it (the store's sources, failed/'s copies):
``fetch-{source}-{day}-{stamp}{ext}``, ``.fetch-...`` while it is written, and
``...{stamp}.1{ext}`` as a copy numbered in failed/ (digest.ingest.inbox) or moved back from there."""

from __future__ import annotations

import datetime as dt
import re

_TAIL = r"-\d{4}-\d\d-\d\d-\d{8}T\d{6}(?:\.\d+)?\.(?:json|xml|html|txt)"  # day, stamp, number, ext
_ANY = re.compile(r"\.?fetch-(.+)" + _TAIL)


def safe(name: str) -> str:
    """A source's name as its files' names have it."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def file_name(source: str, day: dt.date, now: dt.datetime, ext: str) -> str:
    """The name of the document fetched from ``source`` (its name in the config) at ``now``
    for ``day``; ``ext``: ".json", ".xml", ".html" (a page refused) or ".txt"."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"fetch-{safe(source)}-{day.isoformat()}-{stamp}{ext}"


def is_sources(name: str, source: str) -> bool:
    """Whether the file ``name`` is a document fetched from ``source`` (numbered or not)."""
    return re.fullmatch(re.escape(f"fetch-{safe(source)}") + _TAIL, name) is not None


def fetched_at(path: str) -> dt.datetime | None:
    """When the fetch that named the fetched document ``path`` ran (UTC, to the second: a catch-up's
    file is named at its fetch's time, its record a second apart before it); None: not a fetched
    document's name."""
    stamp = re.search(r"-(\d{8}T\d{6})(?:\.\d+)?\.[a-z]+$", path) if fetched_source(path) else None
    return dt.datetime.strptime(stamp[1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC) if stamp else None


def fetched_source(path: str) -> str:
    """The source a listing came from: a fetched document's source (its name in the config, as
    its file's name has it), or '' for a dump dropped in the inbox."""
    fetched = _ANY.fullmatch(path.replace("\\", "/").rsplit("/", 1)[-1])
    return fetched[1] if fetched else ""
