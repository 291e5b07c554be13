"""A database a later release upgraded, opened by this one (a downgrade, a worker not upgraded yet
in a rolling upgrade, a daemon started before `pip install -U`), on SQLite and PostgreSQL: every
command refuses, naming both schema versions and what to do (run that release or a later one,
restart what was started before the upgrade, or restore the copy made before it), and changes
nothing; `digest --version` says which schema this release understands."""

from __future__ import annotations

import sqlite3

import pytest

from digest.db import PgConnection, is_postgres
from digest.schema import SCHEMA_VERSION

from conftest import Workspace, make_dump, schema_at

pytestmark = pytest.mark.backends

LATER = SCHEMA_VERSION + 1


@pytest.fixture
def upgraded(tmp_path, database, db_at) -> Workspace:
    """This release's database, with a paper and ada's digest queued, then upgraded by a later
    release (its schema version only: what this release reads first)."""
    ws = Workspace(tmp_path, database=database)
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    db = schema_at(db_at, SCHEMA_VERSION)
    if is_postgres(db_at):
        db.execute("UPDATE schema_version SET version = ?", (LATER,))
    else:
        db.execute(f"PRAGMA user_version = {LATER}")
    db.close()
    return ws


def test_every_command_refuses_naming_both_versions_and_what_to_do(upgraded, db_at):
    for command in (["run", "--once"], ["send"], ["status"], ["ingest"], ["rank", "ada"]):
        result = upgraded.cli(*command)
        said = " ".join(result.output.split())
        assert result.exit_code != 0, command
        assert f"schema version {LATER}, newer than this digest understands ({SCHEMA_VERSION})" in said
        assert "a later release upgraded it, and no release takes a database back" in said
        assert "started before the upgrade runs this one until restarted: restart it" in said
        assert "restore the copy of the database made before the upgrade" in said
    db = PgConnection(str(db_at)) if is_postgres(db_at) else sqlite3.connect(db_at)
    version = "SELECT version FROM schema_version" if is_postgres(db_at) else "PRAGMA user_version"
    assert db.execute(version).fetchone()[0] == LATER  # the version the later release left
    assert db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0  # nothing ingested
    db.close()


def test_the_version_says_which_schema_this_release_understands(upgraded):
    result = upgraded.cli("--version")
    assert result.exit_code == 0
    assert f"(database schema {SCHEMA_VERSION})" in result.output
