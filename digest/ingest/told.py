"""What became of each dump taken in from the inbox, in one set of words for every command that
takes them in (`digest ingest`, `digest send`, `digest run --once`) and for the daemon's log:
stored, already had, rejected (and where it was put aside), still being written; and an inbox (or a
dump of it) the disk would not let be used.

Each line is printable (digest.files.printable): a file name with a line break cannot forge a line.
The callers add the colour (a rejection in red) and, for a dump still written, what becomes of it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from digest.files import counted, printable
from digest.ingest.left_out import named

if TYPE_CHECKING:  # (digest.ingest.dumps logs each dump stored in these words)
    from digest.ingest.dumps import IngestFailure
    from digest.ingest.inbox import Waiting
    from digest.store import IngestResult


def taken_in(result: IngestResult) -> str:
    """A dump stored: its day, its entries, how many papers were new, the known ones it gives a
    corrected abstract (the first kept) and the links it left out, as a fetch's line says them
    (digest.ingest.fetch, left_out.named); or one had already."""
    if result.already_ingested:
        return printable(f"{result.source}: {result.day} already ingested, nothing new")
    other = result.other_abstracts  # as a fetch's line says them (a corrected abstract)
    return printable(
        f"{result.source}: {result.day}, {counted(result.entries, 'entry', 'entries')}: "
        f"{counted(result.new_papers, 'new paper')}, {result.known_papers} already known"
        + (f"; {other} known with another abstract: kept the first" if other else "")
        + named("{} kept without a link", result.unlinked)
    )


def rejected(failure: IngestFailure, bug: str = "", *, named: bool = False, alone: bool = True) -> str:
    """A dump refused, with why and where it was kept (inbox/failed/, the reason beside it).
    ``bug``: what a reader's bug adds in parentheses (what it is, where its traceback is): then
    where the dump is is said even when it was not moved (``named``: a dump named on the command
    line stays where it is) and, when there were others (not ``alone``), that they were read."""
    if not failure.bug or not bug:
        return printable(f"rejected: {failure.error}{failure.kept_note}")
    where = failure.source if named else failure.kept  # None: not moved (the caller says why)
    said = ([f"kept in {where}"] if where is not None else []) + ([] if alone else ["the other dumps read"])
    tail = f"; {', '.join(said)}" if said else ""
    return printable(f"rejected: {failure.error} ({bug}){tail}")


def still_written(waiting: Waiting, then: str) -> str:
    """A dump that changed within the settle time, left in the inbox; ``then``: what takes it in."""
    settle = waiting.settle / dt.timedelta(seconds=1)
    return printable(
        f"{waiting.path}: still being written (it changed {waiting.ago} s ago, within the last "
        f"settle_seconds, {settle:g} s); left in the inbox: {then}"
    )


def problem(said: str) -> str:
    """An inbox that cannot be used, or a dump the disk will not let go of (left in the inbox)."""
    return printable(f"error: {said}")
