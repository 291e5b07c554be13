"""A look (digest.daemon.names.look) that finds more readers' files gone at once than one statement
takes parameters (more than 65535 profile files taken out of the folder together) writes them all down
as gone, and the command that looked goes on. On PostgreSQL the look holds the names' rows first, in
their order (digest.deliver.wanted.hold_names), now a chunk of names at a time, in the same order and
transaction. Before, one ``SELECT ... WHERE user IN (...) FOR NO KEY UPDATE`` over all of them failed:
`digest send --user ada` said "error: postgresql:///...: sending query and params failed: number of
parameters must be between 0 and 65535" and exited 1, sending nothing, as every pass of the daemon
would. SQLite holds no names' rows (its write lock is the whole database's): the same send, which
passed there, is checked too.

Real parts: `digest send` (CliRunner) against aiosmtpd on loopback, SQLite and PostgreSQL; the names
of the readers whose files went are rows written by SQL, as looks before wrote them down (live)."""

from __future__ import annotations

import pytest

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
