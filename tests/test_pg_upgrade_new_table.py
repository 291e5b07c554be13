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

import shutil

import pytest
from helpers.pg_roles import WRITES, as_release_35, digest, granted_before_upgrade, owned_database, psql, said

from conftest import Workspace


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
