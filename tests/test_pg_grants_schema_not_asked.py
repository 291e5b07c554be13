"""Where the server could not be asked which schema digest's tables are in (the refused role's
connection made to ask it not answered: the server gone, or at its connection limit), the grants
said named public all the same (and the grant of a schema's use a placeholder), which grants
nothing where a search_path puts the tables elsewhere, the refusal coming again. Now the schema the
URL's own search_path names (options=-csearch_path=..., known without asking) is said; where the
URL sets none, that the schema could not be asked, in the statement's place of it. Real parts: a
fresh database whose search_path is a schema of digest's, its tables made there by a real Store,
a role's real refusals there, the asking sent to a loopback port nobody listens on."""

from __future__ import annotations

import socket

import psycopg
from helpers.pg_roles import refusal, run_as_said, told
from helpers.pg_schema import PASSWORD, reader_in_schema

from digest.pggrants import NOT_ASKED, no_schema_usable, write_refused
from digest.store import Store


def unanswered(reader: str, options: str = "") -> str:
    """``reader`` on a loopback port nobody listens on (its URL's ``options``, if any)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    role, name = reader.split("//", 1)[1].split("@", 1)[0], reader.rsplit("/", 1)[1]
    return f"postgresql://{role}@127.0.0.1:{port}/{name}" + (f"?options={options}" if options else "")


def test_the_grants_said_unasked_name_the_schema_of_the_urls_search_path(tmp_path):
    with reader_in_schema("digest_app") as (url, role, reader):
        with Store(url):  # the tables made in digest_app
            pass
        refused = refusal(reader, "SELECT version FROM schema_version")
        said = told(write_refused, refused, unanswered(reader, "-csearch_path%3Ddigest_app"))
        # before: "grant this role writes (GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO"
        grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}"
        assert f"({grant}, and INSERT, UPDATE, DELETE for a command that writes)" in said, said
        run_as_said(url, grant)
        run_as_said(url, grant.replace("SELECT", "INSERT, UPDATE, DELETE"))
        with psycopg.connect(reader, password=PASSWORD) as conn:  # granted where the tables are
            conn.execute("SELECT version FROM schema_version")
        # the search_path not in the URL (the database's, or the role's): said not asked, not public
        said = told(write_refused, refused, unanswered(reader))
        assert f"IN SCHEMA {NOT_ASKED} TO {role}, and INSERT" in said and "SCHEMA public" not in said, said


def test_the_schema_whose_use_to_grant_unasked_is_the_urls_search_paths(tmp_path):
    with reader_in_schema("digest_app") as (url, role, reader):
        with Store(url):
            pass
        run_as_said(url, f"REVOKE USAGE ON SCHEMA digest_app FROM {role}")
        refused = refusal(reader, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        assert refused.sqlstate == "3F000", refused  # no schema has been selected to create in
        said = told(no_schema_usable, refused, unanswered(reader, "-csearch_path%3Ddigest_app"))
        # before: "grant it that (GRANT USAGE ON SCHEMA <the schema of digest's tables> TO ..."
        assert (
            f"grant it that schema's use (GRANT USAGE ON SCHEMA digest_app TO {role}, and CREATE" in said
        ), said
        said = told(no_schema_usable, refused, unanswered(reader))
        assert f"(GRANT USAGE ON SCHEMA {NOT_ASKED} TO {role}, and CREATE" in said, said


def test_a_schema_named_with_a_comma_in_the_urls_search_path_is_said_whole(tmp_path):
    # options=-csearch_path="digest,app": one schema, its name quoted (a comma in it)
    with reader_in_schema('"digest,app"') as (url, role, reader):
        with Store(url):  # the tables made in "digest,app"
            pass
        refused = refusal(reader, "SELECT version FROM schema_version")
        said = told(write_refused, refused, unanswered(reader, "-csearch_path%3D%22digest%2Capp%22"))
        # before: "(GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "digest TO ...)": a syntax error
        grant = f'GRANT SELECT ON ALL TABLES IN SCHEMA "digest,app" TO {role}'
        assert f"({grant}, and INSERT" in said, said
        run_as_said(url, grant)
        with psycopg.connect(reader, password=PASSWORD) as conn:  # granted where the tables are
            conn.execute("SELECT version FROM schema_version")


def test_the_urls_search_path_spelled_as_the_server_takes_it_is_read(tmp_path):
    # the server takes a setting's name in any case, "-" for "_": each of these sets digest_app
    with reader_in_schema("digest_app") as (url, role, reader):
        with Store(url):
            pass
        refused = refusal(reader, "SELECT version FROM schema_version")
        grant = f"GRANT SELECT ON ALL TABLES IN SCHEMA digest_app TO {role}"
        for options in ("--search-path%3Ddigest_app", "-c%20Search_Path%3Ddigest_app"):
            with psycopg.connect(f"{reader}?options={options}", password=PASSWORD) as conn:
                assert conn.execute("SHOW search_path").fetchone() == ("digest_app",)
            said = told(write_refused, refused, unanswered(reader, options))
            # before: "... IN SCHEMA <their schema, which could not be asked: ...> TO ..."
            assert f"({grant}, and INSERT" in said, (options, said)
