"""A look (digest.daemon.names.look) that finds more readers' files gone at once than one statement
takes parameters (more than 65535 profile files taken out of the folder together) writes them all down
as gone, and the command that looked goes on. On PostgreSQL the look holds the names' rows first, in
their order (digest.deliver.wanted.hold_names), now a chunk of names at a time, in the same order and
transaction. Before, one ``SELECT ... WHERE user IN (...) FOR NO KEY UPDATE`` over all of them failed:
`digest send --user ada` said "error: postgresql:///...: sending query and params failed: number of
parameters must be between 0 and 65535" and exited 1, sending nothing, as every pass of the daemon
would. SQLite holds no names' rows (its write lock is the whole database's): the same send, which
passed there, is checked too. The look writes the names down a chunk at a time too (three statements
for 500 names, where it took four for each), each name with its own time and address.

Real parts: `digest send` (CliRunner) against aiosmtpd on loopback, SQLite and PostgreSQL; the names
of the readers whose files went are rows written by SQL, as looks before wrote them down (live)."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.daemon.names import look
from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

MANY = 65536  # one more than PostgreSQL's parameters in one statement

LIVE = f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MANY})
INSERT INTO reader_names (user, live) SELECT 'r' || i, 1 FROM n"""


def test_a_look_that_finds_many_files_gone_writes_them_down(tmp_path, smtp_server, database):
    ws = Workspace(tmp_path, smtp_server.port, database=database)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert ws.cli("ingest").exit_code == 0  # the database made
    with Store(ws.config.database) as store, store.transaction():
        store.db.execute(LIVE)  # their files there at the last look, gone since

    done = ws.cli("send", "--user", "ada")
    assert done.exit_code == 0, done.output
    assert len(smtp_server.messages) == 1
    with Store(ws.config.database) as store:
        gone = store.db.execute("SELECT COUNT(*) FROM reader_names WHERE live = 0").fetchone()[0]
    assert gone == MANY


# -- the look writes the names down a chunk of names at a time (digest.daemon.names_written.write_gone) --

LOOKED = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)
BEFORE = "2026-03-01T00:00:00+00:00"  # the name's last removal: another reader had it since
SOME = 1200  # more than two chunks of names (digest.store_chunks)


def files_gone(ws: Workspace, database: str) -> None:
    """ada's file there; SOME readers' (r1...) and ann's, max's and zoe's written down live, gone
    since; messages made for the three: ann's by a worker whose clock is 30 s ahead, max's and
    zoe's before and since their names' last removal."""
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    with Store(database) as store, store.transaction():
        store.db.execute(LIVE.replace(str(MANY), str(SOME)))
        store.db.execute("INSERT INTO reader_names (user, live) VALUES ('ann', 1)")
        store.db.execute(
            "INSERT INTO reader_names (user, live, gone_at) VALUES ('max', 1, ?), ('zoe', 1, ?)",
            (BEFORE, BEFORE),
        )
        outbox = Outbox(store)
        for i, (user, recipient, made) in enumerate(
            [
                ("ann", "ann@example.org", LOOKED + dt.timedelta(seconds=30)),
                ("max", "old@example.org", dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),
                ("max", "max@example.org", dt.datetime(2026, 3, 5, tzinfo=dt.UTC)),
                ("zoe", "old@example.org", dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),
            ]
        ):
            outbox.enqueue(
                user=user, recipient=recipient, message_id=f"<m{i}@example.org>", subject="digest",
                mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=made,
            )  # fmt: skip


def test_each_name_a_look_finds_gone_among_many_has_its_own_time_and_address(tmp_path, database):
    """When each went is the later of the look's time and its newest message; the address kept
    with its removal, that of its newest message since its last removal (none: none)."""
    ws = Workspace(tmp_path, database=database)
    files_gone(ws, ws.config.database)
    with Store(ws.config.database) as store:
        assert look(ws.config, store, LOOKED)
        gone = dict(store.db.execute("SELECT user, gone_at FROM reader_names WHERE live = 0").fetchall())
        kept = {
            u: (at, a)
            for u, at, a in store.db.execute("SELECT user, gone_at, address FROM reader_name_removals")
        }
    assert len(gone) == len(kept) == SOME + 3
    assert kept["ann"] == (gone["ann"], "ann@example.org") == ("2026-03-16T08:00:30+00:00", "ann@example.org")
    assert kept["max"] == (gone["max"], "max@example.org") == ("2026-03-16T08:00:00+00:00", "max@example.org")
    assert kept["zoe"] == (gone["zoe"], None) == ("2026-03-16T08:00:00+00:00", None)
    assert kept["r1"] == kept[f"r{SOME}"] == ("2026-03-16T08:00:00+00:00", None)


def test_a_look_finding_many_names_gone_asks_the_database_a_chunk_of_names_at_a_time(tmp_path):
    """Before, four statements a name (its newest message, its row, its last address, its removal):
    4,820 statements here, 262,281 for 65,536 names, a round trip each on PostgreSQL (`digest send`
    waited 55 s there). Now three a chunk of 500 names. Counted by SQLite itself (sqlite3's trace
    callback: each statement the look ran)."""
    ws = Workspace(tmp_path)
    files_gone(ws, ws.config.database)
    with Store(ws.config.database) as store:
        ran: list[str] = []
        store.db.set_trace_callback(ran.append)
        assert look(ws.config, store, LOOKED)
        store.db.set_trace_callback(None)
        assert store.db.execute("SELECT COUNT(*) FROM reader_name_removals").fetchone()[0] == SOME + 3
    assert len(ran) < SOME / 10, f"{len(ran)} statements"
