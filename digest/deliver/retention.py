"""Retention: a message's bytes are kept for ``delivery.keep_days``, its record for good.

After keep_days (counted from when it was queued), a sent or failed message keeps its row (to
whom, when, subject, Message-ID, papers, the server's last reply) and its attempts, but not
its MIME bytes (`digest status` lists failures until then). The rows are small (a few hundred
bytes) and the next digest is chosen from them, so they stay. Queued messages are never
touched. When that frees a good part of the file, the database is
compacted (VACUUM), so that the file itself stops growing (on PostgreSQL, autovacuum
reuses the space).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from digest.db import POSTGRESQL
from digest.store import FAILED, SENT, Store, iso

log = logging.getLogger(__name__)

VACUUM_SHARE = 0.25  # compact when free pages are at least this share of the file ...
VACUUM_MIN_BYTES = 8 * 1024 * 1024  # ... and at least this many bytes


@dataclass(frozen=True)
class PruneReport:
    emptied: int  # sent or failed messages whose bytes were dropped
    size_before: int  # bytes on disk (with the write-ahead log)
    size_after: int
    vacuumed: bool

    def __str__(self) -> str:
        return (
            f"{self.emptied} message(s) emptied; "
            f"database {self.size_before / 1e6:.1f} MB -> {self.size_after / 1e6:.1f} MB"
            + (" (compacted)" if self.vacuumed else "")
        )


def database_size(store: Store) -> int:
    """The database's size on disk in bytes (with its write-ahead log)."""
    if store.dialect == POSTGRESQL:
        return int(store.db.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    if str(store.path) == ":memory:":
        return 0
    files = (store.path, store.path.with_name(store.path.name + "-wal"))
    return sum(f.stat().st_size for f in files if f.exists())


def prune(
    store: Store, now: dt.datetime, keep_days: float, vacuum_min_bytes: int = VACUUM_MIN_BYTES
) -> PruneReport:
    """Drop what is older than ``keep_days``; compact the file if much was freed."""
    before = database_size(store)
    cutoff = iso(now - dt.timedelta(days=keep_days))
    db = store.db
    with store.transaction():
        emptied = db.execute(  # only the messages still holding bytes are looked at
            "DELETE FROM outbox_mime WHERE outbox_id IN (SELECT o.id FROM outbox_mime b "
            "JOIN outbox o ON o.id = b.outbox_id WHERE o.status IN (?, ?) AND o.created_at < ?)",
            (SENT, FAILED, cutoff),
        ).rowcount
    vacuumed = False
    if emptied and store.dialect != POSTGRESQL:  # PostgreSQL: autovacuum reuses the space
        page = db.execute("PRAGMA page_size").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0] * page
        total = db.execute("PRAGMA page_count").fetchone()[0] * page
        if free >= vacuum_min_bytes and free >= VACUUM_SHARE * total:
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                db.execute("VACUUM")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                vacuumed = True
            except sqlite3.OperationalError as e:  # another process is reading: next pass
                log.info("database not compacted this time: %s", e)
    report = PruneReport(emptied, before, database_size(store), vacuumed)
    if emptied:
        log.info("retention (keep %g days): %s", keep_days, report)
    return report
