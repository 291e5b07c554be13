"""A profile file put back (a save, a sync tool) after a look listed the profiles folder and
before it writes down what went (digest.daemon.names.look): its reader is not written down gone
(their links would open nothing, their history be taken for a removed reader's). The look lists
the folder once more, after reading the database and the files back, before it writes.

Real parts: a SQLite database, a real profiles folder. The file is put back the moment the look
reads the names the database holds, after its first listing (sqlite3's trace callback: each
statement as it starts)."""

from __future__ import annotations

import datetime as dt

from digest.daemon.names import look
from digest.store import Store

MON = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)


def test_a_file_back_after_the_look_listed_the_folder_is_not_written_down_gone(workspace):
    for user in ("ada", "bob", "cy"):
        workspace.profile(user, f"email: {user}@example.org\ninterests: [chips]\n")
    config = workspace.config
    folder = workspace.root / "profiles"
    with Store(config.database) as store:
        look(config, store, MON)
        bob = (folder / "bob.yaml").read_text()
        (folder / "bob.yaml").unlink()
        (folder / "cy.yaml").unlink()

        def put_bob_back(sql: str) -> None:
            if sql.startswith("SELECT user, live, gone_at FROM reader_names"):  # listed: bob gone
                (folder / "bob.yaml").write_text(bob)

        store.db.set_trace_callback(put_bob_back)
        assert look(config, store, MON + dt.timedelta(hours=1))
        store.db.set_trace_callback(None)
        rows = store.db.execute("SELECT user, live FROM reader_names ORDER BY user").fetchall()
    # Without the second listing, bob was written down gone (0) though his file was there
    assert [tuple(r) for r in rows] == [("ada", 1), ("bob", 1), ("cy", 0)]
