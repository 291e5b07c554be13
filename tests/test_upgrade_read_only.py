"""`digest status` (a command that only reads) the first time after `pip install -U`, on the release
before's database: on SQLite it upgrades nothing and says so, naming both schema versions and what
upgrades it; on PostgreSQL it upgrades it (any command does: the workers of the release before then
refuse until upgraded too, as the README's Upgrading says)."""

from __future__ import annotations

import sqlite3

import pytest

from digest.db import is_postgres
from digest.schema import SCHEMA_VERSION
from digest.store import Store

from conftest import Workspace, schema_at

pytestmark = pytest.mark.backends

BEFORE = 27  # the release that added reader_failures


def test_a_command_that_only_reads_says_which_versions_and_what_upgrades_it(tmp_path, database, db_at):
    ws = Workspace(tmp_path, database=database)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    schema_at(db_at, BEFORE).close()
    result = ws.cli("status")
    if is_postgres(db_at):
        assert result.exit_code == 0, result.output
        with Store(db_at) as store:
            assert store.schema_version == SCHEMA_VERSION
        return
    said = " ".join(result.output.split())
    assert result.exit_code != 0
    older = f"older than this digest's ({SCHEMA_VERSION}: digest was upgraded)"
    assert f"schema version {BEFORE}, {older}" in said
    assert "this command only reads it: run one that writes (e.g. `digest ingest`)" in said
    assert "restart the daemon (its first pass does)" in said
    db = sqlite3.connect(db_at)
    assert db.execute("PRAGMA user_version").fetchone()[0] == BEFORE  # nothing upgraded
    db.close()
    assert ws.cli("ingest").exit_code == 0  # a command that writes upgrades it
    assert ws.cli("status").exit_code == 0
