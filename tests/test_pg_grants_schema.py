"""The grants digest's errors give to run name the schema digest's tables are in: a database whose
search_path puts them elsewhere than public (ALTER DATABASE ... SET search_path, as a server shared
by several applications is set up) was told "GRANT ... ON ALL TABLES IN SCHEMA public", which
grants nothing there, the refusal coming again. Real parts: a fresh database with the schema set,
its tables made by a real `digest ingest`, a role granted reads only there, real commands through
it, the grant said run as written."""

from __future__ import annotations

import datetime as dt

from helpers.pg_roles import ada_ingested, digest, run_as_said
from helpers.pg_schema import reader_in_schema

from conftest import Workspace, a_minute_ago, make_dump


def test_the_grants_said_name_the_schema_the_tables_are_in(tmp_path):
    with reader_in_schema("digest_app") as (url, role, reader):
        ws = ada_ingested(tmp_path, url)
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        # before: "grant it (GRANT SELECT ON ALL TABLES IN SCHEMA public TO ..." (granted: refused again)
        done = digest(ws, "status")
        said = " ".join(done.stderr.split())
        grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}"
        assert done.returncode == 1 and f"may not read this database; grant it ({grant}, and" in said, said
        run_as_said(url, grant)
        assert digest(ws, "status").returncode == 0
        # before: "or grant this role writes (GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO"
        done = digest(ws, "feedback", "ada", "1", "up")
        said = " ".join(done.stderr.split())
        grant = f"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA digest_app TO {role}"
        assert done.returncode == 1 and f"or grant this role writes ({grant})" in said, said
        # the papers stored since the last indexing (by the owner), indexed by a preview: the same grant
        ws.config_path.write_text(ws.config_path.read_text().replace(reader, url))
        ws.dump(
            "b.txt",
            make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Vision", "Spikes.")]),
            mtime=a_minute_ago(),
        )
        assert digest(ws, "ingest", as_reader=False).returncode == 0
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        done = digest(ws, "preview", "ada", "--text")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and "may only read this database, and the papers" in said, said
        assert f"or grant this role writes ({grant})" in said, said
        run_as_said(url, grant)
        done = digest(ws, "preview", "ada", "--text")
        assert done.returncode == 0 and "Neuromorphic Vision" in done.stdout, done.stderr
        done = digest(ws, "feedback", "ada", "1", "up")
        assert done.returncode == 0, done.stderr


def test_a_new_database_is_told_the_schema_to_grant_create_on(tmp_path):
    with reader_in_schema("digest_app") as (url, role, reader):
        done = digest(Workspace(tmp_path, database=reader), "status")  # its first command, through the role
        said = " ".join(done.stderr.split())
        grant = f"GRANT CREATE ON SCHEMA digest_app TO {role}"  # before: ON SCHEMA public
        assert done.returncode == 1 and f"grant this role that ({grant})" in said, said


def test_a_role_refused_an_upgrade_is_told_the_default_privileges_of_the_schema(tmp_path):
    with reader_in_schema("digest_app") as (url, role, reader):
        ws = ada_ingested(tmp_path, url)
        # a worker's role, granted writes and CREATE there (the step from 34 alters outbox: the owner's)
        run_as_said(url, f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA digest_app TO {role}")
        run_as_said(url, f"GRANT CREATE ON SCHEMA digest_app TO {role}")
        run_as_said(url, "UPDATE schema_version SET version = 34")  # as an older digest left them
        ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
        done = digest(ws, "status")
        said = " ".join(done.stderr.split())
        assert done.returncode == 1 and f"role '{role}' may not change digest's tables" in said, said
        # before: "ALTER DEFAULT PRIVILEGES FOR ROLE ... IN SCHEMA public ...", "... IN SCHEMA public TO"
        assert " IN SCHEMA digest_app GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " in said, said
        assert f"ON ALL TABLES IN SCHEMA digest_app TO {role});" in said, said
