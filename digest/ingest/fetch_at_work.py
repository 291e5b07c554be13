"""A fetch's signs of life to the database: on PostgreSQL the session that holds the "fetch" lock
says a word at each try made again and each page of a day that came, so the other workers see
this one at work (digest.daemon.holders), not hung."""

from __future__ import annotations

import logging
from collections.abc import Callable

from digest.db import POSTGRESQL, db_errors
from digest.store import Store

log = logging.getLogger("digest.ingest.fetch")  # the lines it logs are the fetch's, as they were


def at_work(store: Store) -> None:
    """A word to the database, on the session that holds the "fetch" lock (PostgreSQL), so the other
    workers see this one at work (digest.daemon.holders): at each try made again, and each page of
    a day that came (pages.get_day), a worker at its fetch is never silent longer than one try and
    the wait before it (digest.daemon.fetching.quiet_time)."""
    if store.dialect == POSTGRESQL:
        try:
            store.db.execute("SELECT 1")
        except db_errors() as e:  # only a sign of life: the fetch's own record says a database gone
            log.debug("could not show this fetch at work: %s", e)


def try_failed(store: Store, source: str, told: Callable[[str, str], object] | None, what: str) -> None:
    """A try failed and another follows: a word to the database first (:func:`at_work`), then
    ``told`` (the caller's ``retrying``) of it."""
    at_work(store)
    if told is not None:
        told(source, what)
