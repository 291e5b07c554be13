"""PostgreSQL refusing a role what a command does (SQLSTATE 42501, "must be owner of"): what it
means for that role and the grants that cure it, naming the tables' owner where it can be asked.
(Moved from digest.dbfaults.)"""

from __future__ import annotations

import contextlib
import getpass
import os
import re
from dataclasses import dataclass
from typing import Any

from digest.db_bounded import connect_within
from digest.errors import StoreUnusable
from digest.pgoptions import first_schema

# The words PostgreSQL does not take bare as a name (its keywords not "unreserved", as its
# quote_ident() quotes them: pg_get_keywords() of 15, and system_user and the json_* of 16 and 17):
# a role named `user` or `select` said bare is a syntax error, `GRANT ... TO current_user` another
# role's grant, so these are said in double quotes too.
_KEYWORDS_TEXT = """
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit
    boolean both case cast char character check coalesce collate collation column concurrently
    constraint create cross current_catalog current_date current_role current_schema current_time
    current_timestamp current_user dec decimal default deferrable desc distinct do else end except
    exists extract false fetch float for foreign freeze from full grant greatest group grouping
    having ilike in initially inner inout int integer intersect interval into is isnull join json
    json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar
    json_serialize json_table json_value lateral leading least left like limit localtime
    localtimestamp merge_action national natural nchar none normalize not notnull null nullif
    numeric offset on only or order out outer overlaps overlay placing position precision primary
    real references returning right row select session_user setof similar smallint some substring
    symmetric system_user table tablesample then time timestamp to trailing treat trim true union
    unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat
    xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
"""
KEYWORDS = frozenset(_KEYWORDS_TEXT.split())


def sql_role(role: str) -> str:
    """``role`` (or a database's name) as a statement said to be run names it: as it is where
    PostgreSQL takes it so (``digest_owner``), else in double quotes (``"digest-owner"``,
    ``"Worker"``, ``"user"``: unquoted, a hyphen or a reserved word is a syntax error and capitals are
    folded to another role's name)."""
    plain = re.fullmatch(r"[a-z_][a-z0-9_$]*", role) and role not in KEYWORDS
    return role if plain else '"' + role.replace('"', '""') + '"'


def upgrade_refused(
    name: str, role: str, why: str, owner: str | None, schema: str = "public"
) -> StoreUnusable:
    """An upgrade of the tables through ``role``, not their owner (``owner``: that role, None where
    it could not be asked; ``why``: the server's words, or the table it would have to own; ``schema``:
    the tables', as a statement names it, :func:`tables_schema`)."""
    through = f"their owner (role '{owner}')" if owner else "their owner"
    return StoreUnusable(
        f"{name}: role '{role}' may not change digest's tables, only their owner may, as the first "
        "command after an upgrade of digest does (writes granted are not enough); run one command "
        f"that writes (e.g. `digest ingest`) once through {through}, then this role goes on as before, "
        "granted the tables the upgrade makes too: a grant ON ALL TABLES reaches only the tables there "
        f"when it was made; {new_tables_granted(role, owner, schema)} ({why})"
    )


def new_tables_granted(role: str, owner: str | None, schema: str = "public") -> str:
    """How ``role`` comes to be granted the tables an upgrade of digest makes, by their ``owner``
    (None: not known) in ``schema`` (as a statement names it), as the others were: for good, before
    the upgrade (PostgreSQL's default privileges: the tables that role makes from then on are
    granted as they are made), or after it."""
    grant, to = "SELECT, INSERT, UPDATE, DELETE", sql_role(role)
    of = f" FOR ROLE {sql_role(owner)}" if owner else ""
    default = f"ALTER DEFAULT PRIVILEGES{of} IN SCHEMA {schema} GRANT {grant}"
    # without FOR ROLE, the default privileges are those of the role that runs it: run as the owner
    by = "" if owner else ", run as their owner: who that is could not be asked here"
    return (
        f"grant them for good, before the upgrade ({default} ON TABLES TO {to}{by}), or after it (GRANT "
        f"{grant} ON ALL TABLES IN SCHEMA {schema} TO {to}); SELECT alone for a role that only reads"
    )


def write_refused(error: Exception, name: str, url: str = "") -> StoreUnusable:
    """PostgreSQL denying a write (SQLSTATE 42501) a command makes: its role may only read (granted
    SELECT), or not that table; what to do, naming the role (the URL's, else PGUSER's, else this
    account's, as libpq takes it). A table it may not even read (granted nothing: a reading command
    refused too), the tables not made yet in a schema it may not make them in, and the tables an
    upgrade changes, which only their owner may, said as such."""
    role = role_of(name)
    first = str(error).strip().splitlines()[0]
    if first.startswith("permission denied for schema "):  # CREATE TABLE: a new database's first command
        schema = sql_role(first.removeprefix("permission denied for schema "))  # search_path's first
        unused, elsewhere = _tables_schema_not_usable(url or name)
        if elsewhere:  # in schemas its search_path does not name: not a new database
            return StoreUnusable(
                f"{name}: role '{role}' finds none of digest's tables through its search_path, so took the "
                f"database for a new one, to make them in {schema}, which it may not; they are in "
                f"{_set_path_to(role, elsewhere)}, not CREATE on {schema} ({first})"
            )
        if unused:  # passed over: the tables not found
            return StoreUnusable(
                f"{name}: role '{role}' may not use the schema digest's tables are in ({unused}, in its "
                f"search_path), so finds no tables there and took the database for a new one, to make "
                f"them in {schema}; grant it that schema's use (GRANT USAGE ON SCHEMA "
                f"{unused} TO {sql_role(role)}), not CREATE on {schema} ({first})"
            )
        return StoreUnusable(
            f"{name}: role '{role}' may not make digest's tables in this database, as the first command on "
            "a new database does (and the first after an upgrade of digest); run that once through the "
            f"database's owner, or, a new database, grant this role that (GRANT CREATE ON SCHEMA {schema} TO "
            f"{sql_role(role)}) ({first})"
        )
    if first.startswith("must be owner of"):  # ALTER TABLE, CREATE INDEX: an upgrade's migration
        found = asked(url or name)
        return upgrade_refused(name, role, first, found.owner, found.schema)
    table = first.removeprefix("permission denied for table ")
    found = asked(url or name, table if table != first else "schema_version")
    if not found.known:  # the server gone since: a read refused as well as a write
        what = f"table {table}" if table != first else "what this command does"
        return StoreUnusable(
            f"{name}: role '{role}' was refused {what}, "
            "and why could not be asked (the server did not answer the question): it may not read this "
            "database, or only read it and this command writes; grant it what its commands need (GRANT "
            f"SELECT ON ALL TABLES IN SCHEMA {found.schema} TO {sql_role(role)}, and INSERT, UPDATE, "
            f"DELETE for a command that writes), or run it through a role that may ({first})"
        )
    made_since = (
        found.owner not in (None, role) and found.owner == found.table_owner and found.may_read_version
    )
    if not found.may_read_table and made_since:  # granted the others ON ALL TABLES before their owner made it
        return StoreUnusable(
            f"{name}: role '{role}' may not use table {table}, made by an upgrade of digest after this "
            "role was granted the others (a grant ON ALL TABLES reaches only the tables there when it "
            f"was made); {new_tables_granted(role, found.owner, found.schema)} ({first})"
        )
    if not found.may_read_table:
        return StoreUnusable(
            f"{name}: role '{role}' may not read this database; grant it (GRANT SELECT ON ALL TABLES IN "
            f"SCHEMA {found.schema} TO {sql_role(role)}, and writes for a command that writes), or run it "
            f"through a role that may ({first})"
        )
    return StoreUnusable(
        f"{name}: role '{role}' may not write this database, and this command writes to it; run it "
        "through a role that may write (the database's owner, or one granted writes), or grant this role "
        f"writes (GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {found.schema} TO "
        f"{sql_role(role)}) ({first})"
    )


def role_of(name: str) -> str:
    """The role the URL ``name`` connects as: its own, else PGUSER's, else this account's, as
    libpq takes it."""
    from psycopg.conninfo import conninfo_to_dict  # (an error of psycopg's is said: it is imported)

    return str(conninfo_to_dict(name).get("user") or os.environ.get("PGUSER") or getpass.getuser())


def no_schema_usable(error: Exception, name: str, url: str = "") -> StoreUnusable:
    """PostgreSQL finding no schema to make or find digest's tables in (SQLSTATE 3F000, "no schema
    has been selected to create in"), every command refused so: the role may use none of the
    schemas its search_path names (a search_path set to a schema of digest's, ALTER DATABASE ...
    SET search_path, the role not granted USAGE on it), or none of them exists (a name mistyped).
    The schema named is the one of them that holds digest's tables (:data:`UNUSABLE_TABLES_SCHEMA`),
    not the first that exists, which may be another team's; none holding them, the schema of the
    database that does (:data:`TABLES_SCHEMAS`: a search_path mistyped, or set to another's), said
    as the one to set it to; none in the database (a new one): the first that exists, said as the
    one they would be made in. Not asked (the server gone): that none is usable, the schema said the
    one its connection's options name (:func:`unasked_schema`), else that it could not be asked.
    Asked as :func:`asked` asks."""
    role, first = role_of(name), str(error).strip().splitlines()[0]
    try:
        with contextlib.closing(connect_within(url or name, ASK_WAIT)) as db:
            row = db.execute(FIRST_SCHEMA).fetchone()
            tables = db.execute(UNUSABLE_TABLES_SCHEMA).fetchone()
            elsewhere = db.execute(TABLES_SCHEMAS).fetchone()[0] if tables is None else None
    except Exception:  # noqa: BLE001 (not asked: said without the schema's name)
        row = tables = elsewhere = None
    if row is not None and row[0] is None:
        return StoreUnusable(
            f"{name}: none of the schemas the search_path of role '{role}' names ({row[1]}) exists, "
            "where digest finds its tables and makes them; set it to the schema they are in "
            f"(ALTER ROLE ... SET search_path, or the database's), or make that schema ({first})"
        )
    if row is not None and tables is None and elsewhere:  # in a schema its search_path does not name
        return StoreUnusable(
            f"{name}: role '{role}' may use no schema of its search_path ({row[1]}), and none of them holds "
            f"digest's tables, which are in {_set_path_to(role, elsewhere)} ({first})"
        )
    if row is not None and tables is None:  # asked: digest's tables in no schema of the database
        return StoreUnusable(
            f"{name}: role '{role}' may use no schema of its search_path ({row[1]}), and none of them holds "
            f"digest's tables: a new database, its tables to be made in the first ({row[0]}) by its "
            f"first command; grant it that schema's use and the making of tables there (GRANT USAGE, "
            f"CREATE ON SCHEMA {row[0]} TO {sql_role(role)}), or set its search_path to the schema they "
            f"are in (ALTER ROLE ... SET search_path) ({first})"
        )
    if tables is None:  # not asked: what is known said, the schema its options' search_path names (if any)
        schema = unasked_schema(url or name)
        known = f"; the search_path its connection sets names {schema} first" if schema != NOT_ASKED else ""
        return StoreUnusable(
            f"{name}: role '{role}' may use no schema of its search_path (or none of them exists), so "
            "finds no tables of digest's and may make none; which schema holds them could not be asked "
            f"(the server did not answer the question{known}): grant it that schema's use (GRANT USAGE "
            f"ON SCHEMA {schema} TO {sql_role(role)}, and CREATE for a new database, its tables not made "
            f"yet) ({first})"
        )
    schema, where = str(tables[0]), f"{tables[0]}, in its search_path"
    return StoreUnusable(
        f"{name}: role '{role}' may not use the schema digest's tables are in ({where}), so finds no "
        f"tables there and may make none; grant it that (GRANT USAGE ON SCHEMA {schema} TO "
        f"{sql_role(role)}) ({first})"
    )


# The search_path's entries, each with the schema it names ("$user": the role's own), in order
_SEARCH_PATH = (
    "unnest(string_to_array(current_setting('search_path'), ',')) WITH ORDINALITY AS s(entry, i) "
    "JOIN pg_namespace n ON n.nspname = CASE WHEN trim(entry) IN ('$user', '\"$user\"') THEN "
    "current_user ELSE (parse_ident(trim(entry)))[1] END"
)

# The first schema the search_path names that exists (quoted where it must be: NULL, none), and
# the search_path
FIRST_SCHEMA = (
    f"SELECT (SELECT quote_ident(n.nspname) FROM {_SEARCH_PATH} ORDER BY i LIMIT 1), "
    "current_setting('search_path')"
)


def _tables_schema_not_usable(url: str) -> tuple[str | None, list[str] | None]:
    """The first schema of the search_path the role connecting to ``url`` may not use (PostgreSQL
    passes over it) that holds digest's tables (:data:`UNUSABLE_TABLES_SCHEMA`: the catalogue is
    open to every role), as a statement names it, and the schemas holding them that the search_path
    does not name (:data:`TABLES_SCHEMAS`); None where there is none, or it could not be asked."""
    try:
        with contextlib.closing(connect_within(url, ASK_WAIT)) as db:
            row = db.execute(UNUSABLE_TABLES_SCHEMA).fetchone()
            elsewhere = db.execute(TABLES_SCHEMAS).fetchone()[0]
    except Exception:  # noqa: BLE001 (not asked: said as before)
        return None, None
    return (None if row is None else str(row[0])), elsewhere


def _set_path_to(role: str, elsewhere: list[str]) -> str:
    """Where digest's tables are (``elsewhere``: the schemas holding them, none of them in the
    search_path of ``role``) and how ``role`` comes to find them there."""
    # several: a database of digest's in each (a test one beside, ...), the one to use not known
    schema = elsewhere[0] if len(elsewhere) == 1 else "<the one of them it is to use>"
    which = f"schema {schema}" if len(elsewhere) == 1 else f"the schemas {', '.join(elsewhere)}"
    return (
        f"{which}; set its search_path to the schema they are in (ALTER ROLE {sql_role(role)} "
        f"SET search_path = {schema}, or the database's) and grant it that schema's use (GRANT USAGE ON "
        f"SCHEMA {schema} TO {sql_role(role)})"
    )


# Schema n holds digest's tables: schema_version and two tables of digest's own names beside it, all
# made by its first migration (a schema_version alone may be another tool's: Flyway's was named so,
# in another team's schema)
_HOLDS_TABLES = (
    "(SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p') "
    "AND c.relname IN ('schema_version', 'listing_papers', 'sent_papers')) = 3"
)

# The first schema the search_path names that the role may not use and that holds digest's tables
UNUSABLE_TABLES_SCHEMA = (
    f"SELECT quote_ident(n.nspname) FROM {_SEARCH_PATH} WHERE NOT has_schema_privilege(n.oid, 'USAGE') "
    f"AND {_HOLDS_TABLES} ORDER BY i LIMIT 1"
)

# The schemas of the database that hold digest's tables, where none the search_path names does (a
# search_path mistyped, or not set for this role), quoted where they must be, in order (NULL: none,
# a new database; or the search_path names one)
TABLES_SCHEMAS = (
    f"SELECT array_agg(quote_ident(n.nspname) ORDER BY n.nspname) FROM pg_namespace n WHERE {_HOLDS_TABLES} "
    f"AND NOT EXISTS (SELECT FROM {_SEARCH_PATH} WHERE {_HOLDS_TABLES})"
)


# How long the asking of what a refusal means may take in all, its connection and its statements
# (digest.db_bounded: a server slow to answer does not keep the error from being said for longer)
ASK_WAIT = 5.0


@dataclass(frozen=True)
class Asked:
    """What the server says of the role a refused command connected as: whether it may read the
    table refused (``may_read_table``) and schema_version (``may_read_version``), who owns
    schema_version (``owner``: digest's tables) and the table refused (``table_owner``), the tables'
    schema (:func:`tables_schema`); ``known``: asked. Not asked (the default): nothing known of
    the grants, owners not known and the schema :func:`unasked_schema` says (:func:`asked`)."""

    may_read_table: bool = True
    may_read_version: bool = True
    owner: str | None = None
    table_owner: str | None = None
    schema: str = "public"
    known: bool = False


def asked(url: str, table: str = "schema_version") -> Asked:
    """:class:`Asked` of ``table``, on one connection of its own (the refused one's transaction is
    over), within :data:`ASK_WAIT` in all. The tables found as the statements find them, not in
    current_schema() only: a schema of the role's own comes first in the search_path."""
    try:
        with contextlib.closing(connect_within(url, ASK_WAIT)) as db:
            row = db.execute(
                "SELECT coalesce(has_table_privilege(to_regclass(?), 'SELECT'), true), "
                "coalesce(has_table_privilege(to_regclass('schema_version'), 'SELECT'), true), "
                "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('schema_version')), "
                "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(?)), "
                + TABLES_SCHEMA,
                (table, table),
            ).fetchone()
    except Exception:  # noqa: BLE001 (not asked: said without the owner's name)
        return Asked(schema=unasked_schema(url))
    return Asked(bool(row[0]), bool(row[1]), row[2], row[3], row[4], known=True)


# The schema digest's tables are in, as a statement names it (quoted where it must be): that of
# schema_version as the statements find it (a search_path set: ALTER ROLE ... SET search_path, or
# the URL's options), else the first of the search_path there is (where the tables would be made)
TABLES_SCHEMA = (
    "coalesce((SELECT relnamespace::regnamespace::text FROM pg_class "
    "WHERE oid = to_regclass('schema_version')), quote_ident(current_schema()), 'public')"
)


def tables_schema(db: Any) -> str:
    """:data:`TABLES_SCHEMA` asked on ``db`` (a connection of digest.db); public where it cannot be
    asked (its transaction refused, the refusal said all the same)."""
    try:
        return str(db.execute(f"SELECT {TABLES_SCHEMA}").fetchone()[0])
    except Exception:  # noqa: BLE001 (not asked: what the connection's options say)
        dsn = getattr(getattr(getattr(db, "raw", None), "info", None), "dsn", "")
        return unasked_schema(dsn, resolved=bool(dsn))


# Where the tables' schema could not be asked and no search_path is known: said as such, in the
# statement's place of it (public, PostgreSQL's default, granted where the tables are not, would
# only bring the refusal again)
NOT_ASKED = "<their schema, which could not be asked: public unless a search_path names another>"


def unasked_schema(url: str, resolved: bool = False) -> str:
    """The schema digest's tables are in, as a statement names it, where the server could not be
    asked: the first the search_path of the connection's options names (digest.pgoptions), other
    than the role's own; else :data:`NOT_ASKED`."""
    schema = first_schema(url, resolved)
    if schema is None:
        return NOT_ASKED
    return schema if schema.startswith('"') else sql_role(schema)  # quoted as a statement needs
