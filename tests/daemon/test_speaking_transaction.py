"""A worker holding a duty's lock speaks to the database from a thread of its own
(digest.daemon.speaking) on the duty's own connection; inside the duty's transaction a word of
that thread is a statement of that transaction, and it would keep an admin's
idle_in_transaction_session_timeout from ending a transaction left open (a main thread hung in
it, the lock and the rows it wrote held with it)."""

from __future__ import annotations

import time

import psycopg
import pytest

from digest.daemon.speaking import INGEST_QUIET, SPEAK_EVERY, speaking
from digest.db import db_errors, is_postgres
from digest.store import Store

pytestmark = pytest.mark.backends


def test_an_idle_transaction_of_a_worker_that_speaks_is_ended_by_the_servers_timeout(database):
    if not is_postgres(database):
        pytest.skip("a worker speaks on PostgreSQL only (SQLite: the file lock, no one to speak to)")
    name = str(database).rsplit("/", 1)[1]
    with psycopg.connect(autocommit=True) as admin:  # an admin's setting for the database's sessions
        admin.execute(f"ALTER DATABASE {name} SET idle_in_transaction_session_timeout = '3s'")
    with (
        Store(database) as store,
        speaking(store, INGEST_QUIET),
        pytest.raises(db_errors()) as ended,
        store.transaction() as db,
    ):
        db.execute("SELECT COUNT(*) FROM papers").fetchone()
        time.sleep(3 * SPEAK_EVERY + 1)  # the main thread stuck in its transaction (7 s)
        db.execute("SELECT COUNT(*) FROM papers").fetchone()
    assert "idle-in-transaction timeout" in str(ended.value)
