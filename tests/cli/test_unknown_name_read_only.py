"""The look-up of a name without a profile file (a typo, a renamed or removed reader's name: see
test_removed_user_commands) only reads the database: it only words an error. A database at an
older schema (digest upgraded, no command that writes run since) is not upgraded by it, on SQLite
nor on PostgreSQL: the error says the closest name, and that whether the name was a reader's is
not known, and why. A database on a read-only disk is read as it is: a removed reader's name is
said as such there too."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from helpers.removed_reader import REMOVED, removed

from digest.db import is_postgres
from digest.schema import SCHEMA_VERSION
from digest.store import Store

from conftest import Workspace, schema_at

BEFORE = 27  # a release before's schema (test_upgrade_read_only's)


def schema_of(db_at) -> int:
    if is_postgres(db_at):
        from digest.db import PgConnection

        db = PgConnection(str(db_at))
        try:
            return int(db.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])
        finally:
            db.close()
    db = sqlite3.connect(db_at)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


@pytest.mark.backends
def test_a_mistyped_name_does_not_upgrade_an_older_database(tmp_path, database, db_at):
    ws = Workspace(tmp_path, database=database)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    schema_at(db_at, BEFORE).close()
    result = ws.cli("preview", "bax")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "no profile for user 'bax'. Did you mean 'bad'?" in said
    assert "whether bax was a reader whose file was renamed or removed is not known" in said
    assert f"schema version {BEFORE}, older than this digest's ({SCHEMA_VERSION}" in said
    assert "and this look-up only reads it: run one that writes (e.g. `digest ingest`)" in said
    assert "is not known: the database could not be read: " in said  # refused: no wait said
    assert schema_of(db_at) == BEFORE  # not upgraded to word an error
    assert ws.cli("ingest").exit_code == 0  # a command that writes upgrades it, as before
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION


@pytest.mark.backends
def test_a_mistyped_name_on_a_database_nothing_was_stored_in_yet_leaves_it_so(tmp_path, database, db_at):
    """No command has used it yet (a PostgreSQL database just made): nobody's name, said as a typo."""
    ws = Workspace(tmp_path, database=database)
    ws.profile("bad", "email: bad@example.org\ninterests: [spiking]\n")
    result = ws.cli("rank", "bax")
    assert result.exit_code == 1, result.output
    assert result.output.rstrip().endswith("no profile for user 'bax'. Did you mean 'bad'?"), result.output
    if is_postgres(db_at):
        from digest.db import PgConnection

        db = PgConnection(str(db_at))
        try:  # no tables made
            assert db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None
        finally:
            db.close()


def test_a_removed_readers_name_is_said_from_a_database_on_a_read_only_disk(tmp_path, smtp_server):
    from helpers.disks import tmpfs

    with tmpfs(tmp_path, "16m") as disk:
        ws = Workspace(tmp_path, smtp_server.port)
        text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
        ws.config_path.write_text(text)
        removed(ws)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = ws.cli("preview", "ada")
        assert result.exit_code == 1, result.output
        assert REMOVED in result.output, result.output
        assert "Did you mean" not in result.output, result.output
        typo = ws.cli("rank", "bax")
        assert "Did you mean 'bad'?" in typo.output and "is not known" not in typo.output, typo.output
