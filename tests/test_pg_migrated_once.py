"""Two processes opening an older PostgreSQL database at once: one migrates it, and only that
one says it did (Store.upgraded_from, which `digest serve`'s first look at a name reports as
written: digest.daemon.newcomer.was_a_reader)."""

from __future__ import annotations

import threading

import pytest

from digest.db import POSTGRESQL, PgConnection
from digest.schema import SCHEMA_VERSION, run_migration
from digest.schema_pg import MIGRATION_LOCK
from digest.store import Store

from conftest import postgres_database, schema_at


@pytest.fixture
def url():
    with postgres_database() as url:
        schema_at(url, SCHEMA_VERSION - 1).close()  # the release before's database
        yield url


def test_the_process_that_waited_while_another_migrated_says_it_upgraded_nothing(url):
    other = PgConnection(url)
    with other.transaction():  # the other process, migrating under the lock (SQL, or a data migration)
        other.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        run_migration(other, SCHEMA_VERSION - 1, POSTGRESQL)
        other.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        opened: list[Store] = []
        thread = threading.Thread(target=lambda: opened.append(Store(url)))
        thread.start()  # reads the version before, then waits for the lock
        waiting = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        while thread.is_alive() and not other.execute(waiting).fetchone():
            thread.join(0.05)
    thread.join()
    other.close()
    (store,) = opened
    with store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.upgraded_from is None  # it migrated nothing: the other one did


def test_the_process_that_migrates_says_from_which_version(url):
    with Store(url) as store:
        assert store.upgraded_from == SCHEMA_VERSION - 1
    with Store(url) as store:
        assert store.upgraded_from is None
