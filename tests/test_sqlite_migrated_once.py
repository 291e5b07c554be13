"""Two processes opening an older SQLite database at once: one migrates it, and only that one
says it did (Store.upgraded_from, as on PostgreSQL: tests/test_pg_migrated_once.py)."""

from __future__ import annotations

import threading

from digest import store as store_module
from digest.db import SQLITE
from digest.schema import SCHEMA_VERSION, run_migration
from digest.store import Store

from conftest import schema_at


def test_the_process_that_waited_while_another_migrated_says_it_upgraded_nothing(tmp_path, monkeypatch):
    path = tmp_path / "digest.db"
    other = schema_at(path, SCHEMA_VERSION - 1)  # the release before's database
    other.execute("PRAGMA journal_mode = WAL")
    read_the_version = threading.Event()
    transaction = Store.transaction

    def waiting(self):  # this open read the version before; now it asks for the write lock
        read_the_version.set()
        return transaction(self)

    monkeypatch.setattr(store_module.Store, "transaction", waiting)
    other.execute("BEGIN IMMEDIATE")  # the other process, migrating under the write lock
    run_migration(other, SCHEMA_VERSION - 1, SQLITE)
    other.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    opened: list[Store] = []
    thread = threading.Thread(target=lambda: opened.append(Store(path, timeout=60)))
    thread.start()
    while thread.is_alive() and not read_the_version.wait(0.05):  # (an open that failed: its error)
        pass
    other.execute("COMMIT")
    thread.join()
    other.close()
    (store,) = opened
    with store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.upgraded_from is None  # it migrated nothing: the other one did


def test_the_process_that_migrates_says_from_which_version(tmp_path):
    path = tmp_path / "digest.db"
    schema_at(path, SCHEMA_VERSION - 1).close()
    with Store(path) as store:
        assert store.upgraded_from == SCHEMA_VERSION - 1
    with Store(path) as store:
        assert store.upgraded_from is None
