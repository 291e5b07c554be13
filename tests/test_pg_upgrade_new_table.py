"""A worker's role granted digest's tables by `GRANT ... ON ALL TABLES IN SCHEMA public` (the grant
README and the refusals name) is granted the tables there at that moment only: a table an upgrade of
digest makes afterwards (35 -> 36's missed_said), made by the tables' owner, is not the role's. The
refusal of the upgrade to such a role said "run one command that writes once through their owner,
then this role goes on as before", and after the owner's upgrade the role was refused "may not read
this database; grant it (GRANT SELECT ON ALL TABLES ...)". Both now say why and the two cures an
operator has: PostgreSQL's default privileges of the owner, once, for this upgrade and every later
one, or the grant ON ALL TABLES again after each upgrade. Shown with real roles and the real
commands, the default privileges made by psql as README says."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.pg_roles import digest, owned_database
from helpers.pg_schema import PASSWORD

from conftest import Workspace

WRITES = "SELECT, INSERT, UPDATE, DELETE"


def psql(url: str, role: str, sql: str) -> None:
    """``sql`` run by psql as ``role`` (PASSWORD) on ``url``'s database, as an operator runs it."""
    name = url.rsplit("/", 1)[1]
    done = subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", "127.0.0.1", "-U", role, "-d", name, "-c", sql],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def as_release_35(url: str, owner: str) -> None:
    """The tables as the release at schema 35 left them (before missed_said)."""
    tables_at_35 = (  # (36's, 37's, 38's)
        "DROP TABLE missed_said; ALTER TABLE outbox DROP COLUMN for_files; "
        "ALTER TABLE fetches DROP COLUMN run_at; ALTER TABLE fetches DROP COLUMN succeeded_run_at"
    )
    psql(url, owner, f"{tables_at_35}; UPDATE schema_version SET version = 35")


def said(ws: Workspace, *args: str) -> str:
    done = digest(ws, *args)
    assert done.returncode == 1, done.stdout
    return " ".join(done.stderr.split())


@contextlib.contextmanager
def granted_before_upgrade(tmp_path: Path) -> Iterator[tuple[Workspace, str, str, str, dict[str, str]]]:
    """A database whose tables their owner made, then put back as release 35 left them, a worker's
    role granted writes ON ALL TABLES: (the owner's workspace, then as owned_database)."""
    if shutil.which("psql") is None:
        pytest.skip("no psql")
    with owned_database(member=False) as (url, owner, worker, as_role):
        ws = Workspace(tmp_path, database=as_role[owner])
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
        assert digest(ws, "status").returncode == 0  # the tables made by their owner
        as_release_35(url, owner)
        psql(url, owner, f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {worker}")
        yield ws, url, owner, worker, as_role


def test_a_table_an_upgrade_makes_is_granted_by_the_owners_default_privileges(tmp_path):
    with granted_before_upgrade(tmp_path) as (ws, url, owner, worker, as_role):
        as_worker = ws.config_path.read_text().replace(as_role[owner], as_role[worker])
        as_owner = ws.config_path.read_text()
        ws.config_path.write_text(as_worker)
        default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {WRITES} ON TABLES"
        default += f" TO {worker}"
        again = f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {worker}"
        cures = f"grant them for good, before the upgrade ({default}), or after it ({again})"
        # Before (PostgreSQL 15, no CREATE on the schema): "... may not make digest's tables in this
        # database ...; run that once through the database's owner ..."; granted CREATE: "... once
        # through their owner (role '...'), then this role goes on as before (must be owner of ...)"
        refused = said(ws, "status")
        assert f"role '{worker}' may not change digest's tables, only their owner may" in refused, refused
        assert f"through their owner (role '{owner}'), then this role goes on as before, granted" in refused
        assert "the tables the upgrade makes too: a grant ON ALL TABLES reaches only" in refused, refused
        assert cures in refused and "(must be owner of table schema_version)" in refused, refused
        ws.config_path.write_text(as_owner)
        assert digest(ws, "status").returncode == 0  # the owner's upgrade
        ws.config_path.write_text(as_worker)
        # Before: "role '...' may not read this database; grant it (GRANT SELECT ON ALL TABLES IN
        # SCHEMA public TO ..., and writes for a command that writes) ..." of a role that reads the others
        for args in (("status",), ("run", "--once")):
            refused = said(ws, *args)
            assert f"role '{worker}' may not use table missed_said, made by an upgrade of digest" in refused
            assert cures in refused and "(permission denied for table missed_said)" in refused, refused
        psql(url, owner, f"{default}; {again}")  # the cures it names: for this upgrade, and the next ones
        assert digest(ws, "status").returncode == 0
        as_release_35(url, owner)  # the next upgrade, made by the owner: the role goes on as before
        ws.config_path.write_text(as_owner)
        assert digest(ws, "status").returncode == 0
        ws.config_path.write_text(as_worker)
        done = digest(ws, "run", "--once")
        assert "may not" not in done.stderr and "not sent to" not in done.stdout, done.stderr


def test_a_table_another_role_made_is_not_said_to_be_one_an_upgrade_made(tmp_path):
    """The tables' owner refused a table another role made (a worker's role granted CREATE, as an
    upgrade by a release before 3217277e left missed_said, or a PostgreSQL 16 member of the owner
    that may not SET ROLE to it) is not told to grant itself the tables it makes by default."""
    if shutil.which("psql") is None:
        pytest.skip("no psql")
    with owned_database(member=False) as (url, owner, worker, as_role):
        ws = Workspace(tmp_path, database=as_role[owner])
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
        assert digest(ws, "status").returncode == 0
        psql(url, owner, f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {worker}; DROP TABLE missed_said")
        psql(url, owner, f"GRANT CREATE ON SCHEMA public TO {worker}")
        psql(
            url, worker, 'CREATE TABLE missed_said ("user" TEXT PRIMARY KEY, slot_at TEXT NOT NULL, why TEXT)'
        )
        refused = said(ws, "status")
        assert "(permission denied for table missed_said)" in refused, refused
        assert "ALTER DEFAULT PRIVILEGES" not in refused and "made by an upgrade" not in refused, refused
