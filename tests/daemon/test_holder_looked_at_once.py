"""A pass on PostgreSQL waiting past its patience for a "fetch" lock whose holder is at work looks
at that holder every second: it asked the server twice each time, holders.holders (pg_locks joined
to pg_stat_activity: who) and then Holder.silent (pg_stat_activity again: how long silent), where
the first already reads that session's row. Real parts: a real database, a second connection
holding the lock, the wait of claims.singleton on a real Store whose statements are counted."""

from __future__ import annotations

import time

import psycopg

from digest.daemon.claims import singleton
from digest.db import lock_key
from digest.store import Store

from conftest import postgres_database


def test_a_waiting_pass_asks_the_server_once_each_time_it_looks_at_the_holder():
    with postgres_database() as url, Store(url) as store:
        asked: list[str] = []
        execute = store.db.execute

        def counted(sql, params=()):
            asked.append(sql)
            return execute(sql, params)

        with psycopg.connect(url, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (lock_key("fetch"),))
            store.db.execute = counted  # the real connection's statements, each noted
            began = time.monotonic()
            # past a patience of 0 s, the holder (silent < 1 h: at work) waited for, 3.5 s in all
            with singleton(store, "fetch", wait=True, patience=0.0, alive=(3600.0, 3.5)) as mine:
                assert not mine
            assert time.monotonic() - began >= 3.5
    looks = [q for q in asked if "pg_try_advisory_lock" not in q]
    assert len([q for q in looks if "pg_locks" in q]) >= 4, looks  # once a second, and at the end
    assert all("pg_locks" in q for q in looks), looks  # was: each followed by Holder.silent's own query
