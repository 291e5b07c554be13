"""Fetched documents not stored, put aside in the inbox's failed/: those a killed fetch left
hidden, one the readers refused, and the check that a source's bad document is kept once."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from digest.config import SourceConfig
from digest.fetched_names import is_sources
from digest.ingest import inbox as inbox_folder

log = logging.getLogger("digest.ingest.fetch")  # the lines it logs are the fetch's, as they were

STRANDED_AFTER = 600  # seconds: a hidden fetched document this old was left by a killed fetch


def put_aside_stranded(inbox: Path) -> None:
    """Put in failed/ the documents a killed fetch left hidden (``.fetch-*``): kept to look at,
    not read by the inbox's ingest (which would not know the source's settings); the attempt
    was never recorded, so the source is asked again."""
    try:
        stranded = [p for p in inbox.glob(".fetch-*") if time.time() - p.stat().st_mtime > STRANDED_AFTER]
    except OSError:
        return
    for path in stranded:
        if not path.name.endswith(".tmp"):
            put_aside(path, inbox, path.name[1:], "left in the inbox by a fetch that was stopped")


def put_aside(path: Path, inbox: Path, name: str, why: str) -> None:
    """``path`` (a fetched document not stored) to failed/, saying so; the next fetch asks again."""
    if not path.exists():
        return  # moved to processed/ or failed/ already
    reason = f"not stored: {why}; the source is fetched again"
    try:
        saved = inbox_folder.move_failed(path, inbox, reason, name)
    except (OSError, inbox_folder.MoveError) as e:
        log.error("cannot move %s to failed/: %s", path, e)
        return
    if saved is not None:
        log.warning("fetched document %s put aside in failed/: %s", saved.name, reason)


def kept_already(inbox: Path, source: SourceConfig, body: bytes) -> Path | None:
    """The copy in ``failed/`` of the same document from ``source``, if the latest one put
    aside is it (a source that keeps serving one bad document fills the folder with nothing)."""
    folder = inbox / inbox_folder.FAILED
    try:
        earlier = [(p.stat().st_mtime_ns, p) for p in folder.iterdir() if is_sources(p.name, source.name)]
        if not earlier:
            return None
        latest = max(earlier)[1]
        note = latest.with_name(latest.name + ".error.txt").read_text(encoding="utf-8", errors="replace")
        if not note.startswith(f"fetched from {source.name} (") or latest.read_bytes() != body:
            return None
    except OSError:  # no failed/ yet, or a file gone meanwhile: nothing to compare with
        return None
    return latest
