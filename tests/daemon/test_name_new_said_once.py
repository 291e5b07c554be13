"""Two `digest profile new bob` at once (digest.daemon.names.name_taken_over), bob's file gone and
none left in the folder (the look writes nothing down then: a disk not mounted looks the same),
both find bob live and write him down gone, one after the other; only the one that wrote him
down says "profile file gone: bob" in the log, as a look says the names it wrote down.

PostgreSQL only: on SQLite the transaction that reads the row holds the write lock (BEGIN
IMMEDIATE), so the second reads bob gone already. Real parts: a PostgreSQL database, a real
profiles folder, each `profile new` step in a thread of its own with a connection of its own.
The test holds bob's row until both wait for it to write him down, so both read him live."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from helpers.at_once import started_until

from digest.daemon.names import look, name_taken_over
from digest.store import Store

pytestmark = pytest.mark.backends

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def writing_bob_down(store: Store) -> int:
    """The backends waiting for a lock while writing names down gone (digest.daemon.names_written)."""
    sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, ?)"
    return store.db.execute(sql, ("WITH went",)).fetchone()[0]


def test_two_profile_new_of_a_gone_name_at_once_say_it_gone_once(workspace, database, caplog):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite: the row is read under the write lock, the second reads bob gone")
    workspace.profile("bob", "email: bob@example.org\ninterests: [chips]\n")
    config = workspace.config
    with Store(config.database) as store:
        look(config, store, MON)
    (workspace.root / "profiles" / "bob.yaml").unlink()
    caplog.set_level(logging.INFO, logger="digest.daemon.names")
    threads = [threading.Thread(target=name_taken_over, args=(config, "bob", MON)) for _ in range(2)]
    with Store(config.database) as holder, Store(config.database) as watcher:
        with holder.transaction() as db:
            db.execute("SELECT live FROM reader_names WHERE user = 'bob' FOR UPDATE").fetchall()
            started_until(
                threads, lambda: writing_bob_down(watcher) >= 2, "the two never waited to write bob down"
            )
        for thread in threads:
            thread.join()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("profile file gone")]
    # Before: both said "profile file gone: bob (its links open nothing from now on)"
    assert said == ["profile file gone: bob (its links open nothing from now on)"], said
    with Store(config.database) as store:
        rows = store.db.execute("SELECT user, live FROM reader_names").fetchall()
        removals = store.db.execute("SELECT COUNT(*) FROM reader_name_removals").fetchone()[0]
    assert [tuple(r) for r in rows] == [("bob", 0)]
    assert removals == 1
