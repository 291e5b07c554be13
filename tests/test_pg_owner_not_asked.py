"""The refusal of an upgrade to a role that is not the tables' owner names their owner (in "once
through their owner (role '...')" and in the default privileges to make, ALTER DEFAULT PRIVILEGES
FOR ROLE <owner> ...), asked on a connection of its own. It was looked for in current_schema()
only: a role with a schema of its own (CREATE SCHEMA ... AUTHORIZATION, first in PostgreSQL's
search_path "$user", public) was not told who, and was told "FOR ROLE owner" literally, a
statement that fails as copied (role "owner" does not exist) or names another role of that name.
The table is now found as the statements find it; and where the owner cannot be asked at all (its
connection refused), the statement is given without FOR ROLE, to be run as their owner (then the
default privileges are that role's), saying why it is not named."""

from __future__ import annotations

import contextlib

from helpers.pg_roles import WRITES, granted_before_upgrade, psql, said

from digest.db import PgConnection
from digest.pggrants import new_tables_granted


def test_a_role_with_a_schema_of_its_own_is_told_the_owner(tmp_path):
    with granted_before_upgrade(tmp_path) as (ws, url, owner, worker, as_role):
        psql(url, owner, f"GRANT CREATE ON SCHEMA public TO {worker}")
        with contextlib.closing(PgConnection(url)) as admin:  # its own schema, first in the search_path
            admin.execute(f"CREATE SCHEMA {worker} AUTHORIZATION {worker}")
        ws.config_path.write_text(ws.config_path.read_text().replace(as_role[owner], as_role[worker]))
        refused = said(ws, "status")
        with contextlib.closing(PgConnection(url)) as admin:
            admin.execute(f"DROP SCHEMA {worker}")
    assert f"role '{worker}' may not change digest's tables, only their owner may" in refused, refused
    assert f"once through their owner (role '{owner}'), then" in refused, refused
    assert f"(ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {WRITES} ON TABLES" in refused
    assert "FOR ROLE owner " not in refused, refused


def test_an_owner_not_asked_is_not_named_owner():
    assert new_tables_granted("worker", None).startswith(
        f"grant them for good, before the upgrade (ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {WRITES} "
        "ON TABLES TO worker, run as their owner: who that is could not be asked here), or after it (GRANT "
    )
