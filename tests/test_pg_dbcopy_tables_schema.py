"""`digest db migrate` into a PostgreSQL database whose search_path finds digest's tables in another
schema than its first (the default "$user", public, with a schema named after the role made since
the copy: CREATE SCHEMA AUTHORIZATION, as a shared server gives each role one) looks at the
schema the tables are in (pggrants.TABLES_SCHEMA), not at current_schema(), the first one: run again
on its own copy it said the copy was no copy ("the database already holds papers; migrate into an
empty database"), and with a table of the role's own in its schema, that the database was another
application's. Real parts: a real SQLite database copied by the CLI into a fresh database of a
real PostgreSQL, the schema made there with psql's statements."""

from __future__ import annotations

import psycopg
from test_dbcopy_again import _ingested

from conftest import postgres_database


def test_migrate_run_again_finds_its_copy_in_a_schema_after_the_first(workspace):
    ws = workspace
    _ingested(ws)
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
            admin.execute("CREATE SCHEMA AUTHORIZATION CURRENT_USER")  # first in "$user", public
            assert admin.execute("SELECT current_schema() <> 'public'").fetchone() == (True,)
        again = ws.cli("db", "migrate", "--to", url)
        said = " ".join(again.output.split())
        # before: "...: the database already holds papers; migrate into an empty database" (exit 1)
        assert again.exit_code == 0 and f"{url} is a copy of {ws.config.database} already" in said, said
        with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
            admin.execute("CREATE TABLE my_notes (note text)")  # the role's own, in its own schema
        again = ws.cli("db", "migrate", "--to", url)
        said = " ".join(again.output.split())
        # before: "...: the database holds tables that are not digest's (my_notes); migrate into ..."
        assert again.exit_code == 0 and f"{url} is a copy of {ws.config.database} already" in said, said
