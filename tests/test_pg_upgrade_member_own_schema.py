"""An upgrade run through a role that is a member of the tables' owner makes its steps as the
owner (digest.schema_pg.as_owner), the table a step makes the owner's, in the tables' schema. The
owner was looked for in current_schema() only: for a member with a schema of its own (CREATE
SCHEMA ... AUTHORIZATION, first in PostgreSQL's search_path "$user", public) none was found, the
steps ran as the member, and the table made (missed_said) went to the member's own schema, its
own: the owner's commands, and every other worker's, then met a database at the new version
without it. Real parts: roles and schema made on a fresh database, a real `digest status`."""

from __future__ import annotations

import contextlib

import psycopg
from helpers.pg_roles import ADA, as_release_35, digest, owned_database

from digest.db import PgConnection

from conftest import Workspace


def test_a_member_with_a_schema_of_its_own_upgrades_as_the_owner(tmp_path):
    with owned_database(member=True) as (url, owner, member, as_role):
        ws = Workspace(tmp_path, database=as_role[owner])
        ws.profile("ada", ADA)
        assert digest(ws, "status").returncode == 0  # the tables made by their owner
        as_release_35(url, owner)
        with contextlib.closing(PgConnection(url)) as admin:  # its own schema, first in the search_path
            admin.execute(f"CREATE SCHEMA {member} AUTHORIZATION {member}")
        try:
            ws.config_path.write_text(ws.config_path.read_text().replace(as_role[owner], as_role[member]))
            done = digest(ws, "status")
            with psycopg.connect(dbname=url.rsplit("/", 1)[1]) as admin:
                made = admin.execute(
                    "SELECT schemaname, tableowner FROM pg_tables WHERE tablename = 'missed_said'"
                ).fetchall()
        finally:
            with contextlib.closing(PgConnection(url)) as admin:
                admin.execute(f"DROP SCHEMA {member} CASCADE")
    assert done.returncode == 0, done.stderr
    assert made == [("public", owner)]
