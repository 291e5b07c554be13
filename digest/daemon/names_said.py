"""What a look at the profiles folder (digest.daemon.names) says in the log, once what it wrote
down is committed: the files that went, those back with their reader's address or another, and
the records of a removed reader kept apart. Logged under the look's own name."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from digest.daemon import archive
from digest.store import SENT, Store
from digest.store_chunks import in_chunks

log = logging.getLogger("digest.daemon.names")


def say_kept(moved: Sequence[str]) -> None:
    """Logged once the transaction that moved them committed (not by a try that was undone)."""
    for aside in moved:
        log.info(
            "%s's records before its file went are kept as %s's", aside.partition(archive.MARK)[0], aside
        )


def say_looked(store: Store, went: Sequence[str], undone: Sequence[str], others: Sequence[str]) -> None:
    """The files found gone, back with their reader's address (``undone``), back with another.
    Of those gone, a name that was never sent a digest has no email's links to close (a profile
    made and removed before its first): said so, not that its links open nothing."""
    mailed = sent_to(store, went)
    if had := [name for name in went if name in mailed]:
        log.info("profile file(s) gone: %s (their links open nothing from now on)", ", ".join(had))
    if never := [name for name in went if name not in mailed]:
        log.info(
            "profile file(s) gone: %s (never sent a digest: no email's links to close)",
            ", ".join(never),
        )
    if undone:
        log.info(
            "profile file(s) back with their reader's address: %s (their links open again)", ", ".join(undone)
        )
    if others:
        log.warning(
            "profile file(s) back with another address than their last reader's: %s (a new reader: the "
            "earlier emails' links open nothing; the removed reader's history, what was sent and the "
            "ratings, is kept apart under NAME~removed-TIME)",
            ", ".join(others),
        )


def sent_to(store: Store, names: Sequence[str]) -> set[str]:
    """Those of ``names`` that were sent a digest: emails whose links the name opened."""
    found: set[str] = set()
    for chunk, marks in in_chunks(names):
        sql = f"SELECT DISTINCT user FROM outbox WHERE status = ? AND user IN ({marks})"
        found.update(name for (name,) in store.db.execute(sql, [SENT, *chunk]))
    return found
