"""What `digest run --once` (and `digest send`) says in its own lines, left out of its log.

`run --once` logs the pass's events at INFO, as the daemon does; but the events it then says in its
own lines (a source fetched or not, a dump stored, a digest queued, a digest sent) were said twice on
a terminal: the log's line on stderr and its own. Without -v those INFO records are left out, and so
is the pass's bookkeeping (a database made, a dump moved, papers indexed, in an outage a day that
failed before left for the next fetch: :data:`BOOKKEEPING`), which
`digest ingest` and `digest send` log with -v only; with -v (a log asked for, each line timed) and in
the daemon's log, whose lines are all it says, they stay. Its notes of the readers (a profile file
gone, a rename carried over) stay at INFO: it says them nowhere else.
So are a delivery's deferral and failure, logged at WARNING and ERROR, under `run --once` and
`digest send`: each command says them in its own line (:data:`OUTCOMES`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from digest.deliver.outbox import HAS_ONE
from digest.ingest.missed_days import LEFT, MISSING

# logger: the formats of its INFO records that `run --once` says in a line of its own
SAID_BY_RUN_ONCE: dict[str, frozenset[str]] = {
    "digest.ingest.fetch": frozenset({"fetch %s (%s): %s: %s"}),  # "fetched <source>: ..." (failed: stderr)
    "digest.ingest.missed_days": frozenset({MISSING}),  # the days caught up on: a "fetched ..." line each
    "digest.ingest.dumps": frozenset({"%s"}),  # told.taken_in: "<dump>: <day>, N entries: ..."
    "digest.daemon.tick": frozenset({"digest for %s (%s) queued: %s"}),  # "digest for ...: N papers queued"
    "digest.deliver.results": frozenset({"digest sent to %s <%s>: %s"}),  # "sent to <user> <address>: ..."
    # a try that failed, another following: "<source>: cannot connect: ...; trying again in 2 s (try 2 of 4)"
    "digest.ingest.http": frozenset({"%s: %s; retrying in %s s", "%s: %s; retrying in %g s"}),
}

# logger: the formats of its INFO records of a pass's bookkeeping, logged by `run --once` with -v
# only, as `ingest` and `send` log them (they say the events themselves in their lines)
BOOKKEEPING: dict[str, frozenset[str]] = {
    "digest.store": frozenset({"database %s %s %d"}),  # "database digest.db created at schema version 35"
    "digest.schema_pg": frozenset({"database %s %s %d"}),  # the same of a postgresql:// database
    "digest.ingest.inbox": frozenset({"moved %s to %s"}),  # a dump read, moved to processed/
    "digest.select.collection": frozenset({"collection statistics: %s indexed"}),
    # in an outage, a day that failed before left for the next fetch (`digest fetch` logs it with -v;
    # ingest.fetch_all.fetch_with_missed logs it under this name)
    "digest.ingest.fetch_missed": frozenset({LEFT}),
}


# the results of delivery said by `digest send` (a row of its table) and `run --once` (a line),
# "ada ... deferred until ...: 451 ..." and "FAILED bob: 550 ...": at their level (WARNING, ERROR)
# too, not only at INFO; the suppression of an address, said nowhere else, stays
OUTCOMES = frozenset({"digest to %s <%s> %s: %s", "digest to %s <%s> failed: %s"})
RESULTS = "digest.deliver.results"
# `digest send`'s own: a reader's period taken by another send or worker meanwhile, said in its row
# (digest.daemon.meanwhile), at any level; a command that ends without its rows logs it after all
SEND_ROWS = {"digest.deliver.outbox": frozenset({HAS_ONE})}


class SaidOtherwise(logging.Filter):
    """Drops the INFO records of ``formats``, and those of ``always`` at any level: the command says
    them in its own lines. Those of ``always`` are kept in ``held``, to be logged after all if the
    command ends without its lines (a second Ctrl-C, an error)."""

    def __init__(self, formats: frozenset[str], always: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.formats, self.always = formats, always
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in self.always:
            self.held.append(record)
            return False
        return record.levelno != logging.INFO or record.msg not in self.formats


@contextmanager
def not_logged_twice(
    verbose: bool,
    formats: dict[str, frozenset[str]] = SAID_BY_RUN_ONCE,
    always: dict[str, frozenset[str]] | None = None,
) -> Iterator[None]:
    """While the command runs, its loggers leave out what it says itself (not with -v): the INFO
    records of ``formats`` (`run --once`'s; `digest send` gives none), and a delivery's deferral or
    failure (:data:`OUTCOMES`), which both commands say in their lines once the work returns; if it
    raises instead (quit at once, an error), those are logged as they came, before it goes on.
    ``always``: more records left out at any level, by logger (`digest send`'s :data:`SEND_ROWS`)."""
    always = {RESULTS: OUTCOMES, **(always or {})}
    kinds = {**dict.fromkeys(always, frozenset()), **formats}
    added = (
        []
        if verbose
        else [(logging.getLogger(n), SaidOtherwise(f, always.get(n, frozenset()))) for n, f in kinds.items()]
    )
    for logger, said in added:
        logger.addFilter(said)
    ended = False
    try:
        yield
        ended = True
    finally:  # a process that goes on (tests) logs them again
        for logger, said in added:
            logger.removeFilter(said)
            for record in () if ended else said.held:
                logger.handle(record)
