"""What `digest run --once` says in its own lines, left out of its log.

`run --once` logs the pass's events at INFO, as the daemon does (a dump moved, papers indexed, a
database made), so a cron job's or a timer's log keeps them; but the events it then says in its own
lines (a source fetched or not, a dump stored, a digest queued, a digest sent) were said twice on a
terminal: the log's line on stderr and its own. Without -v those INFO records are left out; with -v
(a log asked for, each line timed) and in the daemon's log, whose lines are all it says, they stay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

# logger: the formats of its INFO records that `run --once` says in a line of its own
SAID_BY_RUN_ONCE: dict[str, frozenset[str]] = {
    "digest.ingest.fetch": frozenset({"fetch %s (%s): %s: %s"}),  # "fetched <source>: ..." (failed: stderr)
    "digest.ingest.dumps": frozenset({"%s"}),  # told.taken_in: "<dump>: <day>, N entries: ..."
    "digest.daemon.tick": frozenset({"digest for %s (%s) queued: %s"}),  # "digest for ...: N papers queued"
    "digest.deliver.results": frozenset({"digest sent to %s <%s>: %s"}),  # "sent to <user> <address>: ..."
}


class SaidOtherwise(logging.Filter):
    """Drops the INFO records of ``formats``: the command says them in its own lines."""

    def __init__(self, formats: frozenset[str]) -> None:
        super().__init__()
        self.formats = formats

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno != logging.INFO or record.msg not in self.formats


@contextmanager
def not_logged_twice(verbose: bool) -> Iterator[None]:
    """While the command runs, its loggers leave out what it says itself (not with -v)."""
    added = [] if verbose else [(logging.getLogger(n), SaidOtherwise(f)) for n, f in SAID_BY_RUN_ONCE.items()]
    for logger, said in added:
        logger.addFilter(said)
    try:
        yield
    finally:  # a process that goes on (tests) logs them again
        for logger, said in added:
            logger.removeFilter(said)
