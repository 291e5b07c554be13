"""A role that may not use the schema digest's tables are in (a database whose search_path is set
to a schema of digest's, ALTER DATABASE ... SET search_path, the role not granted USAGE on it) is
told the grant that lets it: PostgreSQL passes over such a schema in the search_path, finds no
tables and no schema to make them in, and every command was refused "no schema has been selected
to create in", as if the database were new and the fault digest's. A search_path naming no schema
that exists (mistyped) is said as such. Real parts: a fresh database, its tables made by a real
`digest ingest`, a role made there, real commands through it (the CLI's and the daemon's pass),
each grant said run as written."""

from __future__ import annotations

import psycopg
from helpers.pg_roles import ada_ingested, digest, run_as_said
from helpers.pg_schema import reader_in_schema

from conftest import Workspace, postgres_database


def test_a_role_not_granted_the_schema_of_the_tables_is_told_to_grant_its_use(tmp_path):
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        ws = ada_ingested(tmp_path, url)
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        grant = f"GRANT USAGE ON SCHEMA digest_app TO {role}"
        for command in (("status",), ("run", "--once")):
            done = digest(ws, *command)
            said = " ".join((done.stderr + done.stdout).split())
            # before: "...: no schema has been selected to create in LINE 1: CREATE TABLE ..."
            assert f"role '{role}' may not use the schema digest's tables are in" in said, said
            assert f"grant it that ({grant})" in said, said
        run_as_said(url, grant)
        done = digest(ws, "status")  # then told the reads to grant, as a role granted the schema is
        said = " ".join(done.stderr.split())
        assert "may not read this database; grant it (GRANT SELECT ON ALL TABLES IN SCHEMA digest_app" in said
        run_as_said(url, f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}")
        assert digest(ws, "status").returncode == 0


def test_a_search_path_naming_no_schema_there_is_said_so(tmp_path):
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = digest_ap")  # (digest_app mistyped)
        done = digest(Workspace(tmp_path, database=url), "status", as_reader=False)
        said = " ".join(done.stderr.split())
        assert done.returncode == 1, said
        assert "none of the schemas the search_path of role" in said and "names (digest_ap) exists" in said, (
            said
        )


def test_the_schema_named_is_the_one_holding_digests_tables_not_the_first_of_the_search_path(tmp_path):
    # search_path = team_a, digest_app: another team's schema first, the role granted neither; said
    # "(the first of its search_path) ... GRANT USAGE ON SCHEMA team_a" before, granted: refused again
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        run_as_said(url, "CREATE SCHEMA team_a")
        ws = ada_ingested(tmp_path, url)  # the tables made in digest_app
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = team_a, digest_app")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        said = " ".join(digest(ws, "status").stderr.split())
        assert f"role '{role}' may not use the schema digest's tables are in (digest_app, " in said, said
        assert f"grant it that (GRANT USAGE ON SCHEMA digest_app TO {role})" in said, said
        assert "team_a" not in said, said


def test_a_new_database_whose_search_path_the_role_may_not_use_names_no_schema_as_holding_tables(tmp_path):
    # no tables of digest's anywhere: the schema named is where they would be made, said as such
    with reader_in_schema("team_a", granted=False) as (url, role, reader):
        said = " ".join(digest(Workspace(tmp_path, database=reader), "status", as_reader=True).stderr.split())
        assert "digest's tables are in" not in said, said
        assert f"role '{role}' may use no schema of its search_path (team_a), " in said, said
        assert f"(GRANT USAGE, CREATE ON SCHEMA team_a TO {role})" in said, said


def test_a_search_path_naming_none_of_the_schemas_the_tables_are_in_is_not_said_a_new_database(tmp_path):
    # search_path = team_a, digest_ap (digest_app mistyped), the tables in digest_app, the role granted
    # nothing. Before: "none of them holds digest's tables: a new database, its tables to be made in the
    # first (team_a) ...; grant it ... (GRANT USAGE, CREATE ON SCHEMA team_a TO ...)": granted, its
    # first command would have made a second, empty set of digest's tables in team_a
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        run_as_said(url, "CREATE SCHEMA team_a")
        ws = ada_ingested(tmp_path, url)  # the tables made in digest_app
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = team_a, digest_ap")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        done = digest(ws, "status")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "a new database" not in said, said
        assert (
            f"role '{role}' may use no schema of its search_path (team_a, digest_ap), and none of them "
            "holds digest's tables, which are in schema digest_app; set its search_path to the schema "
            "they are in (ALTER ROLE "
        ) in said, said
        set_path, grant = (
            f"ALTER ROLE {role} SET search_path = digest_app",
            f"GRANT USAGE ON SCHEMA digest_app TO {role}",
        )
        assert f"({set_path}, or the database's) and grant it that schema's use ({grant})" in said, said
        run_as_said(url, set_path)
        run_as_said(url, grant)
        run_as_said(url, f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}")
        done = digest(ws, "status")  # the tables found where they are: none made in team_a
        assert done.returncode == 0, done.stderr
        with psycopg.connect(url) as admin:
            assert admin.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'team_a'").fetchone() == (
                0,
            )
