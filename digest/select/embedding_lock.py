"""One process at a time makes a database's missing paper embeddings: two commands that find the
same papers without a stored embedding at the same time (two `digest --semantic rank`, a daemon's
pass and a `digest preview --semantic`) would each load the model (some 800 MB) and embed them.
The first takes the lock and makes and stores them; the others wait for it, then read them from
the store, and make only those still missing.

On SQLite the lock is a file lock beside the database (``digest.db.embeddings.lock``, as the run
lock is ``digest.db.lock``); on PostgreSQL a session's advisory lock, per model. Either ends with
the process, however it ends. A holder that keeps it longer than :data:`WAIT_MOST` (stopped,
hung, or a first run embedding a whole archive) is waited for no longer: the waiter makes the
embeddings itself, as every process did before there was a lock, and says so.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from digest.db import POSTGRESQL, lock_key, real_file, sidecar
from digest.errors import DigestError
from digest.filelock import FileLock
from digest.files import lasted
from digest.store import Store

log = logging.getLogger(__name__)

WAIT_MOST = 300.0  # seconds a waiter waits for another process's embeddings at the most
POLL = 0.25  # seconds between tries
SAY_AFTER = 3.0  # seconds of waiting after which the wait is said as a warning (shown without -v)
# (database, model) whose holder this process waited WAIT_MOST for in vain, until it takes the lock:
# not waited for again meanwhile (for each reader's texts, a pass would wait WAIT_MOST per reader)
_STUCK: set[tuple[str, str]] = set()
# the stop (SIGTERM, Ctrl-C) of the work of this thread, as :func:`stopping` gives it
_STOP: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("stop", default=None)


class EmbeddingsStopped(DigestError):
    """The process is stopping (SIGTERM or Ctrl-C: the daemon, `digest send`, `run --once`) while it
    waits for another's embeddings, before it loads the model, or between the batches of papers it
    embeds: what was made is kept (a batch is stored whole or not at all); the next pass or send
    makes the rest."""

    report: object = None  # a pass's: what it fetched and took in before (digest.daemon.tick.run_once)


@contextmanager
def stopping(stop: threading.Event) -> Iterator[None]:
    """Within it (in this thread), a wait for another process's embeddings ends within POLL seconds
    of ``stop`` being set, with :class:`EmbeddingsStopped`, not after WAIT_MOST, and so does the
    making of them, before the model is loaded or after the batch of papers being embedded: entered with its
    stop (a :class:`digest.stop.Stop`, whose signal handler notes it) by the daemon's pass, `digest send` and
    `digest run --once`. `digest rank` and `preview` enter none: Ctrl-C raises KeyboardInterrupt in
    their wait, which ends the command at once (it holds no lock yet, so it releases none)."""
    token = _STOP.set(stop)
    try:
        yield
    finally:
        _STOP.reset(token)


def stop_asked() -> bool:
    """Whether the work of this thread is asked to stop (its :func:`stopping`'s stop is set): read
    before the model is loaded and between batches of papers embedded (digest.select.ranking)."""
    stop = _STOP.get()
    return stop is not None and stop.is_set()


@contextmanager
def making_embeddings(store: Store, key: str, table: str) -> Iterator[None]:
    """Held while this process makes and stores the missing embeddings of model ``key`` (papers'
    in ``table`` embeddings, readers' texts' in text_embeddings): entered
    once no other process of this database makes them (or after WAIT_MOST), so that what another
    stored meanwhile is read, not made again. Inside a transaction nothing is waited for (a lock
    held there would keep the holder's save waiting on it), nor by a store that keeps none."""
    if store.db.in_transaction or not store.keeps_embeddings(table):
        yield
        return
    take, release = _file_lock(store) if store.dialect != POSTGRESQL else _advisory_lock(store, key)
    # the holder may be making either kind (one lock): what is said is what this process waits to make
    what = "papers" if table == "embeddings" else "readers' texts (interests, titles they like)"
    where = (str(store.path), key)
    started = time.monotonic()
    got = take()
    if not got and where in _STUCK:
        log.info("embeddings with %s made here: the process holding the lock was waited for already", key)
    elif not got:
        log.info(
            "waiting for another digest process making embeddings with %s, before making those of %s",
            key,
            what,
        )
    said, stop = False, _STOP.get() or threading.Event()
    while not got and where not in _STUCK and time.monotonic() - started < WAIT_MOST:
        if stop.wait(POLL):
            raise EmbeddingsStopped(
                f"stopping: the wait for another digest process making embeddings with {key} is given up "
                f"after {time.monotonic() - started:.0f} s, before making those of {what}"
            )
        got = take()
        if not got and not said and time.monotonic() - started >= SAY_AFTER:
            said = True  # a command does not sit silent for minutes: said once, without -v too
            log.warning(
                "still waiting (%d s so far) for another digest process making embeddings with %s (a rank, "
                "preview or daemon pass on this database), before making those of %s: at most %s, then they "
                "are made here",
                time.monotonic() - started,
                key,
                what,
                lasted(dt.timedelta(seconds=WAIT_MOST)),
            )
    if got:
        _STUCK.discard(where)
    elif where not in _STUCK:
        _STUCK.add(where)
        log.warning(
            "waited %d s for another digest process making embeddings with %s; making those of %s here "
            "(and, until it lets go, all that are missing, without waiting again)",
            time.monotonic() - started,
            key,
            what,
        )
    try:
        yield
    finally:
        if got:
            release()


def _file_lock(store: Store):  # -> (take, release)
    lock = FileLock(sidecar(real_file(store.path), ".embeddings.lock"), mode=0o666, others=True, widen=True)

    def take() -> bool:
        try:
            return lock.acquire(wait=False)
        except DigestError as e:  # a folder this account may not write: made as before, unlocked
            log.debug("embeddings made without the lock: %s", e)
            return True

    return take, lock.release


def _advisory_lock(store: Store, key: str):  # -> (take, release)
    number = lock_key(f"embeddings:{key}")

    def take() -> bool:
        return bool(store.db.execute("SELECT pg_try_advisory_lock(?)", (number,)).fetchone()[0])

    def release() -> None:
        store.db.execute("SELECT pg_advisory_unlock(?)", (number,))

    return take, release
