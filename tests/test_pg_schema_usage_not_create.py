"""A role not granted the use of the schema digest's tables are in, where the search_path names
public after it (ALTER DATABASE ... SET search_path = digest_app, public), is told to grant it
that use (GRANT USAGE), which is what it lacks. PostgreSQL passes over the schema it may not use,
finds no tables in public, and the command, taking the database for new, makes them there and is
refused "permission denied for schema public": it was told to grant CREATE on public, which,
granted, makes a second, empty set of digest's tables in public, the role's commands then reading
those. Real parts: a fresh database, its tables made by a real `digest ingest`, a role made
there, real commands through it, the grant said run as written."""

from __future__ import annotations

import psycopg
from helpers.pg_roles import ada_ingested, digest, run_as_said
from helpers.pg_schema import reader_in_schema


def test_a_role_not_granted_the_tables_schema_before_public_is_told_to_grant_its_use(tmp_path):
    with reader_in_schema("digest_app", "digest_app, public", granted=False) as (url, role, reader):
        ws = ada_ingested(tmp_path, url)
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        grant = f"GRANT USAGE ON SCHEMA digest_app TO {role}"
        for command in (("status",), ("run", "--once")):
            done = digest(ws, *command)
            said = " ".join((done.stderr + done.stdout).split())
            # before: "... grant this role that (GRANT CREATE ON SCHEMA public TO ...)"
            assert f"role '{role}' may not use the schema digest's tables are in (digest_app" in said, said
            assert f"grant it that schema's use ({grant})" in said, said
        run_as_said(url, grant)
        done = digest(ws, "status")  # then told the reads to grant, as a role granted the schema is
        said = " ".join(done.stderr.split())
        assert (
            "may not read this database; grant it (GRANT SELECT ON ALL TABLES IN SCHEMA digest_app" in said
        ), said
        run_as_said(url, f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}")
        done = digest(ws, "status")
        assert done.returncode == 0, done.stderr
        with psycopg.connect(dbname=url.rsplit("/", 1)[1]) as admin:  # no second set of tables made in public
            assert admin.execute("SELECT to_regclass('public.schema_version')").fetchone() == (None,)


def test_the_tables_schema_after_public_in_the_search_path_is_not_said_to_come_before_it(tmp_path):
    # search_path = public, digest_app: the role may use public (not make tables there) but not
    # digest_app, where the tables are; said "(digest_app, in its search_path before public)" before
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        ws = ada_ingested(tmp_path, url)  # the tables made in digest_app
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = public, digest_app")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        said = " ".join(digest(ws, "status").stderr.split())
        tables_in = "may not use the schema digest's tables are in (digest_app, in its search_path),"
        assert f"role '{role}' {tables_in}" in said, said
        assert "before public" not in said, said
        grant = f"GRANT USAGE ON SCHEMA digest_app TO {role}"
        assert f"grant it that schema's use ({grant})" in said, said
        run_as_said(url, grant)  # granted as said, found: the reads to grant next
        said = " ".join(digest(ws, "status").stderr.split())
        assert (
            "may not read this database; grant it (GRANT SELECT ON ALL TABLES IN SCHEMA digest_app" in said
        ), said


def test_another_teams_schema_version_first_in_the_search_path_is_not_said_to_hold_digests_tables(tmp_path):
    # search_path = team_a, digest_app, public: team_a holds a schema_version table of another tool's
    # (Flyway's before 5.0 was named so), and the role may use neither schema; said "(team_a, in its
    # search_path)" and "GRANT USAGE ON SCHEMA team_a" before, which granted only brought the refusal again
    with reader_in_schema("digest_app", "digest_app, public", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        run_as_said(url, "CREATE SCHEMA team_a")
        run_as_said(url, "CREATE TABLE team_a.schema_version (installed_rank int PRIMARY KEY, version text)")
        ws = ada_ingested(tmp_path, url)  # the tables made in digest_app
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = team_a, digest_app, public")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        said = " ".join(digest(ws, "status").stderr.split())
        tables_in = "may not use the schema digest's tables are in (digest_app, in its search_path),"
        assert f"role '{role}' {tables_in}" in said, said
        assert f"grant it that schema's use (GRANT USAGE ON SCHEMA digest_app TO {role})" in said, said
        assert "team_a" not in said, said


def test_a_role_whose_search_path_names_no_schema_of_digests_tables_is_not_told_to_make_them_afresh(tmp_path):
    # digest's tables in digest_app, the search_path the role finds them through not set (PostgreSQL's
    # default, "$user", public); PostgreSQL 15 grants no CREATE on public. Before: "may not make
    # digest's tables in this database, as the first command on a new database does ...; run that once
    # through the database's owner, or, a new database, grant this role that (GRANT CREATE ON SCHEMA
    # public TO ...)": either made a second, empty set of digest's tables in public
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        ws = ada_ingested(tmp_path, url)  # the tables made in digest_app
        run_as_said(url, f"ALTER DATABASE {name} RESET search_path")
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        done = digest(ws, "status")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "CREATE ON SCHEMA" not in said, said
        set_path = f"ALTER ROLE {role} SET search_path = digest_app"
        grant = f"GRANT USAGE ON SCHEMA digest_app TO {role}"
        assert (
            f"role '{role}' finds none of digest's tables through its search_path, so took the database "
            "for a new one, to make them in public, which it may not; they are in schema digest_app; set "
            f"its search_path to the schema they are in ({set_path}, or the database's) and grant it "
            f"that schema's use ({grant}), not CREATE on public (permission denied for schema public)"
        ) in said, said
        run_as_said(url, set_path)
        run_as_said(url, grant)
        run_as_said(url, f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}")
        done = digest(ws, "status")  # the tables found where they are: none made in public
        assert done.returncode == 0, done.stderr
        with psycopg.connect(url) as admin:
            made = admin.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            assert made == (0,)
