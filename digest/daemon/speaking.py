"""A worker holding a duty's advisory lock on PostgreSQL (digest.daemon.claims.singleton) speaks to
the database every ``SPEAK_EVERY`` seconds from a thread of its own, whatever its duty is doing (a
request a timeout long, a server's Retry-After, arXiv's pace, a big dump read), so a worker that is
silent for ``FROZEN_AFTER`` is stopped (SIGSTOP, a machine suspended) or its connection lost, not
at work: the others need not wait out the longest silence of a fetch (fetching.quiet_time, 240 s
by default) to tell. A SIGSTOP stops every thread of the process. The lock's taking, and every
statement of its session while it holds it, end with :data:`MARK`, which pg_stat_activity's
``query`` (the session's last statement) shows the others (digest.daemon.holders): a holder of
another release, or a session left idle holding the lock, does not speak so, and is judged by the
silence of a worker at its fetch as before."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from digest.db import POSTGRESQL, db_errors
from digest.store import Store

log = logging.getLogger(__name__)

MARK = "-- digest: speaks while it holds the lock"
SPEAK_EVERY = 2.0  # s between the words of a worker holding a duty's lock
FROZEN_AFTER = 20.0  # s of silence (ten words missed) after which a holder that speaks is stopped
SPEAK = "SELECT 1"
# s an ingest says nothing of its own to the database at work: a dump read whole and parsed (10 MB at
# most: sources.MAX_DUMP_BYTES, seconds), the file moved to processed/; between them, a statement.
# A fetch's: this, or one try's (fetching.quiet_time), whichever is longer (it reads what it fetched)
INGEST_QUIET = 60.0


def judged_by(quiet: float | None) -> float:
    """The silence after which a holder that speaks is stopped or hung, its duty's being ``quiet``
    (None: not known): that, capped at :data:`FROZEN_AFTER`, and two words' time at least, as a
    speaking holder is silent up to :data:`SPEAK_EVERY` between its words (a source's timeout of
    0.2 s without retries makes a fetch's quiet time 0.8 s)."""
    return FROZEN_AFTER if quiet is None else min(max(quiet, 2 * SPEAK_EVERY), FROZEN_AFTER)


def speaks(query: str | None) -> bool:
    """Whether a session whose last statement was ``query`` (pg_stat_activity's) speaks so."""
    return bool(query) and query.rstrip().endswith(MARK)


@contextmanager
def speaking(store: Store, quiet: float) -> Iterator[None]:
    """While the block runs, and it said something to the database within ``quiet`` s (the longest
    its duty is silent at work: fetching.quiet_time, :data:`INGEST_QUIET`), a word to the database
    every :data:`SPEAK_EVERY` s from a thread
    (psycopg serializes it with the block's own statements on the connection). Not said while the
    connection is in a transaction of the block's: a word would be a statement of that transaction
    and keep an admin's idle_in_transaction_session_timeout from ending it (a main thread hung in
    it); a duty's transactions are a run of statements (a dump's papers, a fetch's row), each of
    which shows it at work. A failed word is only not said (the duty's own statements say a
    database gone). A duty silent longer is hung (its main thread stuck on a filesystem that stopped
    answering, say): the thread falls silent too, and the others call it stopped or hung
    :data:`FROZEN_AFTER` s later, not at work for ever; it speaks again once the duty does. Its words
    are said on the connection's psycopg one (``raw``), which does not count them as the duty's."""
    if store.dialect != POSTGRESQL:  # one worker (the file lock): no one to speak to
        yield
        return
    done, before, store.db.mark = threading.Event(), store.db.mark, MARK  # before: an outer duty's

    def speak() -> None:
        while not done.wait(SPEAK_EVERY):
            if store.db.in_transaction or time.monotonic() - store.db.moved > quiet:
                continue  # the duty's transaction: its statements speak; a duty silent longer: hung
            try:
                store.db.raw.execute(f"{SPEAK}\n{MARK}")
            except db_errors() as e:
                log.debug("could not show this worker at its duty: %s", e)

    thread = threading.Thread(target=speak, name="digest-speaking", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        store.db.mark = before
        thread.join(timeout=30.0)  # a word under way ends first (a database gone: its timeout)
