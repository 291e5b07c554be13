"""A role that may use no schema of its search_path (PostgreSQL's "no schema has been selected to
create in"), where the server could not be asked which schema holds digest's tables, is told what
is known: that it may use none of the schemas its search_path names (or none of them exists), and
that which holds the tables could not be asked; not that "the first of its search_path" holds them
(another team's schema may come first, or the database be new, its tables not made anywhere). Real
parts: a fresh database, a role's real refusal there, the asking sent through a loopback proxy that
hangs up on it (a server gone)."""

from __future__ import annotations

from helpers.pg_roles import refusal, run_as_said, told
from helpers.pg_schema import reader_in_schema
from helpers.slow_proxy import slow_proxy

from digest.pggrants import NOT_ASKED, no_schema_usable
from digest.store import Store

MAKE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def through(reader: str, port: int, options: str = "") -> str:
    """``reader`` through the proxy on ``port`` (its URL's ``options``, if any)."""
    role, name = reader.split("//", 1)[1].split("@", 1)[0], reader.rsplit("/", 1)[1]
    return f"postgresql://{role}@127.0.0.1:{port}/{name}" + (f"?options={options}" if options else "")


def test_unasked_the_schema_of_digests_tables_is_not_said_the_first_of_the_search_path():
    # search_path = team_a, digest_app: another team's schema first, the tables in digest_app, the
    # role granted neither. Before: "role '...' may not use the schema digest's tables are in (the
    # first of its search_path), so finds no tables there ...": team_a, were it read so, holds none
    with reader_in_schema("digest_app", granted=False) as (url, role, reader):
        name = url.rsplit("/", 1)[1]
        run_as_said(url, "CREATE SCHEMA team_a")
        with Store(url):  # the tables made in digest_app
            pass
        run_as_said(url, f"ALTER DATABASE {name} SET search_path = team_a, digest_app")
        refused = refusal(reader, MAKE)
        assert refused.sqlstate == "3F000", refused  # no schema has been selected to create in
        with slow_proxy(delay=None, hang_up=True) as proxy:
            said = told(no_schema_usable, refused, through(reader, proxy.port))
            assert proxy.connections >= 1  # it was asked, and could not be
            assert "the first of its search_path" not in said and "digest's tables are in" not in said, said
            assert (
                f"role '{role}' may use no schema of its search_path (or none of them exists), so finds "
                "no tables of digest's and may make none; which schema holds them could not be asked "
                "(the server did not answer the question): grant it that schema's use (GRANT USAGE ON "
                f"SCHEMA {NOT_ASKED} TO {role}, and CREATE for a new database"
            ) in said, said
            assert said.endswith("(no schema has been selected to create in)"), said
            # the search_path its URL sets is known without asking: that schema named, said whence
            said = told(no_schema_usable, refused, through(reader, proxy.port, "-csearch_path%3Ddigest_app"))
            assert (
                "(the server did not answer the question; the search_path its connection sets names "
                f"digest_app first): grant it that schema's use (GRANT USAGE ON SCHEMA digest_app TO {role}"
            ) in said, said
