"""The database as `digest serve`'s requests read it for every page's poll (GET /u/<token>/version,
every 1.5 s from each open page): the link's reader (digest.web.identity) and the versions
(digest.web.versions).

On PostgreSQL a Store opened per read cost a connection each (its authentication, the schema's
version read: 6-15 ms; a poll opened two, 15-33 ms in all: benchmarks/bench_version_poll.py), so
one Store is held per process for each database and way of opening it (read-only or not) and
lent to one request at a time; a request that finds it lent opens one of its own, as before,
rather than wait. Its connection is in autocommit: each read sees what other processes committed
before it (a rating made in another tab, `digest feedback`). One that was dropped (the server
restarted, the session ended by an admin, an idle timeout) is closed and the read made again
once on a new one; a database still down is said as a Store that cannot open it says it. A read
on it that takes :data:`HELD_READ_LIMIT` is cut (:func:`_bounded`): the network may have dropped
the connection without a word, and TCP would keep the poll waiting for minutes. Before
each read the schema's version is read again (one light query): a database a later release
migrated while this process runs is then refused as a newly opened Store refuses it.

On SQLite a Store is opened per read, as before: it is a file's open (0.4 ms), and each open looks
at the file again (its folder gone, a newer schema, the file replaced).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from digest.db import db_errors, is_postgres, shown
from digest.schema import SCHEMA_VERSION
from digest.store import Store

log = logging.getLogger(__name__)

_T = TypeVar("_T")

HELD_READ_LIMIT = 2.0  # s: a poll's reads take milliseconds; past this the held connection is cut


class _Held:
    """One Store, lent to one thread at a time (None: not opened yet, or dropped)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.store: Store | None = None
        self.pid = os.getpid()  # a forked child opens its own: a connection is not shared across a fork


_HELD: dict[tuple[str, bool], _Held] = {}
_MADE = threading.Lock()


def _held(database: str, readonly: bool) -> _Held:
    with _MADE:
        held = _HELD.get((database, readonly))
        if held is None or held.pid != os.getpid():
            held = _HELD[(database, readonly)] = _Held()
        return held


def read(database: Path | str, work: Callable[[Store], _T], *, readonly: bool = False) -> _T:
    """``work(store)`` on the database: on PostgreSQL, on this process's held Store (see the
    module), else on a Store opened for it. ``work`` only reads, or commits what it writes."""
    if not is_postgres(database):
        with Store(database, readonly=readonly) as store:
            return work(store)
    held = _held(str(database), readonly)
    if not held.lock.acquire(blocking=False):  # lent to another request: not waited for
        with Store(database, readonly=readonly) as store:
            return work(store)
    try:
        if held.store is not None and not _bounded(held.store, lambda s: _usable(s)):
            _drop(held)
        if held.store is None:
            held.store = Store(database, readonly=readonly)
            return work(held.store)
        try:
            return _bounded(held.store, work)
        except db_errors():
            if not _dropped(held.store):
                raise
            log.info(
                "%s: the connection held for the pages' polls was dropped; connecting again", shown(database)
            )
            _drop(held)
        held.store = Store(database, readonly=readonly)
        return work(held.store)
    except BaseException:
        if held.store is not None and _dropped(held.store):
            _drop(held)
        raise
    finally:
        held.lock.release()


def _bounded(store: Store, work: Callable[[Store], _T]) -> _T:
    """``work(store)`` on the held connection, cut (its socket shut down: the read under way fails
    as on a connection lost, and is made again on a new one) once it takes :data:`HELD_READ_LIMIT`:
    a connection the network dropped without a word (a NAT's or firewall's mapping forgotten, no
    reset) is otherwise waited on until TCP gives up, minutes, and the poll with it. The cut (its
    look at the read, the socket's dup and shutdown) and the read's end hold one lock: a read that
    ended as the limit came is not cut after it, which would cut the next read's connection, or
    another socket's whose descriptor took the number of one closed meanwhile (the held Store
    dropped once this read ended)."""
    done, cutting = threading.Event(), threading.Lock()

    def cut() -> None:
        with cutting:
            if done.is_set():
                return
            log.info("a read on the connection held for the pages' polls took %.0f s: cut", HELD_READ_LIMIT)
            try:
                with socket.socket(fileno=os.dup(store.db.raw.fileno())) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            except (OSError, *db_errors()):  # closed meanwhile: nothing to cut
                pass

    timer = threading.Timer(HELD_READ_LIMIT, cut)
    timer.daemon = True
    timer.start()
    try:
        return work(store)
    finally:
        with cutting:  # a cut under way ends first; none after
            done.set()
        timer.cancel()


def _usable(store: Store) -> bool:
    """Is the held connection still open, on a database at the schema it was opened at? One light
    read: a later release may have migrated it since (a fresh Store then refuses it: a newer
    schema), or it may have been remade; a connection lost meanwhile fails this read."""
    if _dropped(store):
        return False
    try:
        return store.db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    except db_errors():  # lost, or no schema here any more: opened again, said as a new Store says it
        return False


def _dropped(store: Store) -> bool:
    """Is the held connection unusable (closed, or lost: psycopg's ``broken``)?"""
    raw = store.db.raw
    return bool(raw.closed or raw.broken)


def _drop(held: _Held) -> None:
    store, held.store = held.store, None
    if store is not None:
        try:
            store.close()
        except db_errors():  # a lost connection's close: nothing left to end
            pass
