"""The steps of the migrations to schema 27, 28, 31 and 38 that take more than a line (digest.schema)."""

from __future__ import annotations

import bisect
import datetime as dt
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


# a fetch's catch-ups are recorded a second apart before its own day's record, a week's days at most
# (ingest.fetch_all.fetch_with_missed; missed_days.CATCH_UP, not imported: the store's module below it)
CATCH_UP_SECONDS = 7


def fetch_run_times(db: Any, dialect: str) -> None:
    """Migration 37 -> 38: each fetch's record keeps the time of the fetch run that wrote it
    (``run_at``) and of the run of its last success (``succeeded_run_at``); both dialects. A row
    stored before is given it as `digest status` read it (daemon.failed_days._made_by): the latest
    record of its source up to :data:`CATCH_UP_SECONDS` after it (that fetch's own day's, of a
    catch-up recorded a second apart before it), else its own time; so a catch-up keeps its fetch's
    time once a later fetch overwrites that fetch's own record (one row an address)."""
    db.execute("ALTER TABLE fetches ADD COLUMN run_at TEXT")
    db.execute("ALTER TABLE fetches ADD COLUMN succeeded_run_at TEXT")
    rows = db.execute("SELECT url, source, attempted_at, succeeded_at FROM fetches").fetchall()
    times: dict[str, list[tuple[dt.datetime, str]]] = {}
    for _, source, at, _ in rows:
        times.setdefault(source, []).append((dt.datetime.fromisoformat(at), at))
    for each in times.values():  # sorted, each row's window found by bisection: a source's years of
        each.sort()  # daily rows in a second or two, not each row against all of its source's

    def run(source: str, at: str) -> str:
        moment, kept = dt.datetime.fromisoformat(at), times[source]
        last = bisect.bisect_right(kept, moment + dt.timedelta(seconds=CATCH_UP_SECONDS), key=lambda t: t[0])
        return kept[last - 1][1] if last and kept[last - 1][0] > moment else at

    for url, source, at, ok in rows:
        ok_run = None if ok is None else run(source, ok)
        sql = "UPDATE fetches SET run_at = ?, succeeded_run_at = ? WHERE url = ?"
        db.execute(sql, (run(source, at), ok_run, url))
