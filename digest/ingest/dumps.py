"""Dumps into the store: each read whole, then stored in one transaction; the inbox emptied as it goes.

ingest()        dump files -> Listing (digest.ingest.sources) -> store
ingest_inbox()  the settled files of the inbox -> ingest() -> processed/ or failed/ (with why)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digest.bugs import SeenBugs
from digest.errors import DumpError, ReaderBug
from digest.files import printable
from digest.ingest import inbox as inbox_folder
from digest.ingest import told
from digest.ingest.left_out import unlinked_in_dump
from digest.ingest.sources import read_dump
from digest.models import Listing
from digest.progress import NO_PROGRESS, Progress
from digest.store import IngestResult, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestFailure:
    source: Path
    error: str
    bug: bool = False  # a reader's bug (ReaderBug), not a bad dump
    kept: Path | None = None  # where the dump was put aside (inbox/failed/), if it was moved

    @property
    def kept_note(self) -> str:
        """What a line of the refusal adds: '; kept in inbox/failed/bad.txt', if it was moved."""
        return f"; kept in {self.kept}" if self.kept is not None else ""


@dataclass(frozen=True)
class IngestReport:
    results: tuple[IngestResult, ...]
    failures: tuple[IngestFailure, ...]
    problems: tuple[str, ...] = ()  # the inbox's: a dump not moved out of it, the folder gone


def ingest(
    store: Store,
    paths: Iterable[Path],
    now: dt.datetime,
    progress: Progress | None = None,
    done: Callable[[IngestResult | IngestFailure], None] = lambda outcome: None,
    *,
    say_bugs: bool = True,
    zone: str = "UTC",
) -> IngestReport:
    """Each dump is read whole, then stored in one transaction; a bad dump stores nothing.
    ``zone``: the config's, whose day a feed naming none is listed under (the day it was saved).
    ``done`` hears of each dump as soon as it is stored or refused. ``say_bugs``: a reader's bug
    is logged as the daemon logs it (its traceback once); without, the caller says it
    (``IngestFailure.bug``: `digest ingest`, one line per file)."""
    results, failures = [], []
    paths = list(paths)
    progress = progress or NO_PROGRESS
    progress.start("ingesting", len(paths))
    for path in paths:
        try:
            listing = read_listing(Path(path), say_bug=say_bugs, zone=zone)
        except DumpError as e:
            log.debug("dump rejected: %s", printable(e))  # the callers report it (ingest, the daemon)
            failures.append(IngestFailure(Path(path), str(e), bug=isinstance(e, ReaderBug)))
            done(failures[-1])
            progress.advance()
            continue
        result = store.add_listing(listing, now)
        if listing.unlinked and not result.already_ingested:  # said as a fetch says them
            result = dataclasses.replace(result, unlinked=unlinked_in_dump(listing))
        log.info("%s", told.taken_in(result))  # as the commands say it (the daemon's log: all it says)
        results.append(result)
        done(result)
        progress.advance()
    progress.finish()
    return IngestReport(tuple(results), tuple(failures))


def read_listing(
    path: Path,
    *,
    mtime: dt.datetime | None = None,
    replacements: bool = False,
    skip_bad_items: bool = False,
    say_bug: bool = True,
    zone: str = "UTC",
) -> Listing:
    """``read_dump`` (the same options); a reader that fails on this file in a way it did not
    foresee fails for this file alone (reading writes nothing): the dump, dropped or fetched
    (digest.ingest.fetch), is rejected with what went wrong (ReaderBug), and the other dumps and
    sources, and everybody's mail, go on. ``say_bug``: the bug is logged here (:func:`_said`);
    without, the caller says it (the one-shot commands: one line, the traceback when debugging)."""
    try:
        return read_dump(
            path, mtime=mtime, replacements=replacements, skip_bad_items=skip_bad_items, zone=zone
        )
    except (DumpError, MemoryError):
        raise
    except Exception as e:  # noqa: BLE001 - one unreadable file must not stop the others
        if say_bug:
            _said(e, path)
        what = printable(str(e).strip())  # not ours: one line, whatever text it quotes
        raise ReaderBug(f"{path}: cannot be read as a dump: {type(e).__name__}: {what}", e) from None


READER_BUGS = SeenBugs()  # the readers' bugs whose traceback was logged, in this process


def _said(error: Exception, path: Path) -> None:
    """A reader's bug, as the daemon says its own (digest.bugs): its traceback once, for a report;
    the next file it fails on the same way, one line at -v (the callers say each file refused)."""
    if READER_BUGS.first(error)[0]:
        log.error(
            "reading %s failed on an unforeseen error (a bug in digest: please report it with this "
            "traceback; it is logged once, then one line each time it happens again); the file is "
            "put aside and the others are read",
            printable(path),
            exc_info=error,
        )
    else:
        what = f"{type(error).__name__}: {printable(str(error).strip())}"
        log.info(
            "reading %s failed again on the unforeseen error %s (its traceback was logged)",
            printable(path),
            what,
        )


def said_by_caller(problem: str) -> None:
    """``ingest_inbox``'s ``say_problem`` for a command that says the report's problems itself
    (`digest ingest`, `send`, `run --once`: one "error: " line each), not logged a second time."""


def ingest_inbox(
    store: Store,
    inbox: Path,
    now: dt.datetime,
    settle: dt.timedelta,
    progress: Progress | None = None,
    *,
    say_bugs: bool = True,
    zone: str = "UTC",
    say_problem: Callable[[str], None] | None = None,
) -> tuple[IngestReport, list[inbox_folder.Waiting]]:
    """Ingest the settled dumps of the inbox (returned with those still settling: inbox.Waiting);
    move each to processed/ or failed/ (with why, and where: ``IngestFailure.kept``). A dump the
    disk will not let go of is left in the inbox and said in ``problems``: what was read is stored,
    and the rest of the run (the readers' mail) goes on, each logged here (``say_problem``: or said so:
    the daemon's, once an hour while it lasts; :func:`said_by_caller`: not here, a command says
    ``problems`` on stderr). ``say_bugs``, ``zone``: as :func:`ingest`."""
    ready, waiting = inbox_folder.split_ready(inbox, now, settle)
    problems: list[str] = []
    kept: dict[Path, Path | None] = {}

    def move(outcome: IngestResult | IngestFailure) -> None:  # at once: a later failure keeps it
        try:
            if isinstance(outcome, IngestFailure):
                kept[outcome.source] = inbox_folder.move_failed(outcome.source, inbox, outcome.error)
            else:  # stored: a dump renamed away meanwhile is only noted
                inbox_folder.move_processed(outcome.source, inbox)
        except inbox_folder.MoveError as e:
            if say_problem is None:
                log.warning("%s", printable(e))
            else:
                say_problem(printable(e))
            problems.append(str(e))

    report = ingest(store, ready, now, progress, done=move, say_bugs=say_bugs, zone=zone)
    failures = tuple(dataclasses.replace(f, kept=kept.get(f.source)) for f in report.failures)
    report = dataclasses.replace(report, failures=failures, problems=tuple(problems))
    return report, waiting
