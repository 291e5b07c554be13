"""The steps of the migrations to schema 27, 28 and 31 that take more than a line (digest.schema)."""

from __future__ import annotations

from typing import Any

from digest.db import POSTGRESQL, pg_ddl

PG_READER_FAILURES = pg_ddl(
    """
    CREATE TABLE reader_failures (
        user        TEXT PRIMARY KEY,
        error       TEXT NOT NULL,             -- why their digest could not be made
        worker      TEXT NOT NULL,             -- the worker whose pass said so
        at          TEXT NOT NULL              -- when (the database server's clock, UTC, ISO)
    )
    """
)


def reader_failures_table(db: Any, dialect: str) -> None:
    """Migration 26 -> 27: on PostgreSQL, the table :data:`PG_READER_FAILURES`; on SQLite nothing."""
    if dialect == POSTGRESQL:
        db.execute(PG_READER_FAILURES)


def reader_failures_said(db: Any, dialect: str) -> None:
    """Migration 30 -> 31: on PostgreSQL, the failing digest's period (``period``) and when its
    failure was last said at ERROR in a worker's log (``said_at``, the database server's clock), so
    that the workers say it once between them (digest.daemon.notes); on SQLite nothing. A row
    written before is said again at its next failure."""
    if dialect == POSTGRESQL:
        db.execute("ALTER TABLE reader_failures ADD COLUMN period TEXT")
        db.execute("ALTER TABLE reader_failures ADD COLUMN said_at TEXT")


# A reason a release before schema 28 wrote for a message held for a new address, its period reopened,
# begins and ends so (its middle the address): the ends compared, as LIKE's "%" is a placeholder to psycopg
HELD_BEGINS = "not tried: the reader''s address changed since the digest was made: "
HELD_ENDS = (
    "(its papers go in their next digest, to that address: "
    "made again today while the send time''s grace lasts)"
)
MARK_REOPENED = f"""
    ALTER TABLE outbox ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
    UPDATE outbox SET reopened = 1 WHERE status = 'failed'
        AND substr(last_error, 1, {len(HELD_BEGINS) - 1}) = '{HELD_BEGINS}'
        AND substr(last_error, length(last_error) - {len(HELD_ENDS) - 2}) = '{HELD_ENDS}';
"""
