"""Every transaction that writes readers' rows on PostgreSQL first holds their names
(digest.deliver.wanted.hold_names), all in one order, so that two of them never wait for each other
in a cycle (a deadlock): a look writing down many readers' files gone (its names a chunk of 500 at a
time, in Python's sorted order) and a pass storing digests for a few readers (one chunk). That order is
the names' code points (Python's sorted order), whatever the database's collation: under a database
collation such as en-US (a database made with that locale), "alice" sorts before "Bob", and a pass
that took its names in the database's order held "alice" first while the look, its chunks in Python's
order, held "Bob" first, then waited for "alice": a cycle.

Shown with three real PostgreSQL sessions: one holds "alice"; a look over 501 names and then a pass
over ("Bob", "alice") each wait for it; meanwhile "Bob" is held by each (it comes first in both)."""

from __future__ import annotations

import threading
import time

import psycopg

from digest.deliver.wanted import hold_names
from digest.store import Store

from conftest import postgres_database

NAMES = sorted([f"B{i:03}" for i in range(499)] + ["Bob", "alice"])  # 501: "alice" in the second chunk


def waits_for_a_lock(store: Store) -> bool:
    rows = store.db.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchall()
    return bool(rows)


def held(store: Store, name: str) -> bool:
    try:
        with store.transaction() as db:
            db.execute("SELECT user FROM reader_names WHERE user = ? FOR UPDATE NOWAIT", (name,)).fetchall()
    except psycopg.errors.LockNotAvailable:
        return True
    return False


def bob_held_while_waiting_for_alice(url, names: list[str], share: bool) -> bool:
    with Store(url) as first, Store(url) as other, Store(url) as watch:
        done = threading.Event()

        def hold() -> None:
            with other.transaction():
                hold_names(other, names, share=share)
            done.set()

        with first.transaction() as db:
            db.execute("SELECT user FROM reader_names WHERE user = 'alice' FOR UPDATE").fetchall()
            worker = threading.Thread(target=hold)
            worker.start()
            deadline = time.monotonic() + 10
            while not waits_for_a_lock(watch) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not done.is_set()
            bob = held(watch, "Bob")
        worker.join(10)
        assert done.is_set()
    return bob


def test_a_look_and_a_pass_hold_names_in_one_order_whatever_the_collation():
    with postgres_database() as url:
        with Store(url) as store:
            with store.transaction() as db:
                for name in NAMES:
                    db.execute("INSERT INTO reader_names (user, live) VALUES (?, 1)", (name,))
            # the collation of a database made with the en-US locale ("alice" before "Bob")
            store.db.execute('ALTER TABLE reader_names ALTER COLUMN "user" TYPE TEXT COLLATE "en-US-x-icu"')
        assert bob_held_while_waiting_for_alice(url, NAMES, share=False)  # the look: "Bob" in its first chunk
        assert bob_held_while_waiting_for_alice(url, ["Bob", "alice"], share=True)  # a pass: the same order
