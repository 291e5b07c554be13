"""Whether a PostgreSQL session waits for a lock another holds: a test holding a row (FOR UPDATE)
from a second session waits for the command under test to block on it, not for a time."""

from __future__ import annotations

import psycopg


def waiting_for_a_lock(url: str) -> bool:
    """Whether a session of this database waits for a lock another holds."""
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
        return row[0] > 0
