"""Two looks at the profiles folder at once (digest.daemon.names.look: a daemon's pass and
`digest profile new`, or two workers on PostgreSQL) both find the same files gone; one writes
them down, and only that one says "profile file(s) gone: ..." in the log: the names it wrote
down, not those it found (the other wrote nothing, and says nothing of them).

Real parts: a SQLite or PostgreSQL database, a real profiles folder, each look in a thread of its
own with a connection of its own. Both looks are made to list the folder before either writes:
the test holds the names (as a look or a pass storing digests does: hold_names; on SQLite the
write lock) until both wait for them."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from helpers.at_once import started_until

from digest.daemon.names import look
from digest.deliver.wanted import hold_names
from digest.store import Store

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def waiting_for_locks(store: Store) -> int:
    """PostgreSQL: the backends waiting for a lock (the looks, at the names the test holds)."""
    sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    return store.db.execute(sql).fetchone()[0]


def test_two_looks_at_once_say_the_files_gone_once(workspace, caplog):
    for user in ("ada", "bob", "cy"):
        workspace.profile(user, f"email: {user}@example.org\ninterests: [chips]\n")
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
    for user in ("bob", "cy"):
        (workspace.root / "profiles" / f"{user}.yaml").unlink()
    begun = [threading.Event(), threading.Event()]  # SQLite: a look began its write (waits for the lock)

    def looking(i: int) -> None:
        with Store(config.database) as store:
            if store.dialect == "sqlite":
                store.db.set_trace_callback(lambda sql: sql.startswith("BEGIN") and begun[i].set())
            look(config, store, MON + dt.timedelta(hours=1))

    caplog.set_level(logging.INFO, logger="digest.daemon.names")
    with Store(config.database) as holder, Store(config.database) as watcher:
        threads = [threading.Thread(target=looking, args=(i,)) for i in range(2)]
        with holder.transaction():
            hold_names(holder, ["bob", "cy"])  # PostgreSQL's rows; SQLite's transaction: its write lock
            both_wait = (
                (lambda: all(e.is_set() for e in begun))
                if holder.dialect == "sqlite"
                else (lambda: waiting_for_locks(watcher) >= 2)
            )
            started_until(threads, both_wait, "the two looks never waited for the names")
        for thread in threads:
            thread.join()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("profile file(s) gone")]
    # Before: both looks said "profile file(s) gone: bob, cy (never sent a digest: ...)"
    assert said == ["profile file(s) gone: bob, cy (never sent a digest: no email's links to close)"], said
    with Store(config.database) as store:
        rows = store.db.execute("SELECT user, live, gone_at FROM reader_names ORDER BY user").fetchall()
        assert [tuple(r) for r in rows] == [
            ("ada", 1, None),
            ("bob", 0, "2026-03-16T08:00:00+00:00"),
            ("cy", 0, "2026-03-16T08:00:00+00:00"),
        ]
