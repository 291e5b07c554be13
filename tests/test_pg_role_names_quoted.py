"""The statements digest's errors give to run (GRANT ... TO <role>, ALTER DEFAULT PRIVILEGES FOR
ROLE <owner> ...) name a role as PostgreSQL takes it when copied: a name that is not a plain
lowercase identifier (``digest-worker``, as `createuser digest-worker` makes it; ``Worker``) in
double quotes. Said bare, a hyphen is a syntax error and capitals are folded to another role's
name (role "worker" does not exist); a reserved word (``user``, ``select``: `createuser user`
makes it) is a syntax error bare too, in the grants and in the GRANT CONNECT a refused connection
is told to run. Real parts: the roles made on a fresh database, each statement
said run there as it is written, then the grants it made asked of the server; a connection
refused for want of CONNECT opened through a Store."""

from __future__ import annotations

import os
import re
import uuid

import psycopg
import pytest

from digest.dbfaults import unindexed_read_only
from digest.errors import StoreError
from digest.pggrants import KEYWORDS, new_tables_granted
from digest.store import Store

from conftest import postgres_database


class Refused(Exception):
    """PostgreSQL's refusal of a write to the papers' index (as psycopg raises it)."""

    sqlstate = "42501"

    def __str__(self) -> str:
        return "permission denied for table paper_terms"


def statements(text: str) -> list[str]:
    """The statements a message says to run (in its parentheses, or after a semicolon)."""
    return re.findall(
        r"(?:\(|; )((?:ALTER DEFAULT PRIVILEGES|GRANT) [^()]*?)(?:, run as [^)]*|\)| there)", text
    )


@pytest.mark.parametrize(
    "names", [("Digest-Owner", "digest-worker"), ("Owner", "Worker"), ("select", "user")]
)
def test_the_statements_said_run_as_copied_for_the_roles_named(names):
    tag = uuid.uuid4().hex[:6]
    # (a reserved word as it is: with a tag it is another name; before, "user": syntax error at or near)
    owner, worker = (n if n in KEYWORDS else f"{n}-{tag}" if "-" in n else f"{n}{tag}" for n in names)
    said = new_tables_granted(worker, owner) + str(unindexed_read_only(Refused(), "db", worker))
    with postgres_database() as url, psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
        for role in (owner, worker):
            admin.execute(f'CREATE ROLE "{role}"')
        try:
            admin.execute("CREATE TABLE schema_version (version int)")
            found = statements(said)
            assert len(found) == 3, said
            for statement in found:
                admin.execute(statement)
            granted = admin.execute(
                "SELECT has_table_privilege(%s, 'schema_version', 'INSERT')", (worker,)
            ).fetchone()[0]
            defaults = admin.execute(
                "SELECT pg_get_userbyid(defaclrole) FROM pg_default_acl WHERE defaclacl::text LIKE %s",
                (f"%{worker}%",),
            ).fetchall()
        finally:
            admin.execute("DROP TABLE IF EXISTS schema_version")
            for role in (worker, owner):
                admin.execute(f'DROP OWNED BY "{role}"')
                admin.execute(f'DROP ROLE "{role}"')
    assert granted
    assert defaults == [(owner,)]


def test_the_connect_grant_said_for_a_role_named_user_runs_as_copied():
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(autocommit=True) as admin:
            admin.execute("CREATE ROLE \"user\" LOGIN PASSWORD 'pw'")
            admin.execute(f"REVOKE CONNECT ON DATABASE {name} FROM PUBLIC")
        host = os.environ.get("PGHOST", "127.0.0.1")
        host = "127.0.0.1" if host.startswith("/") else host
        as_user = f"postgresql://user:pw@{host}:{os.environ.get('PGPORT', '5432')}/{name}"
        try:
            with pytest.raises(StoreError) as refused:
                Store(as_user)
            said = " ".join(str(refused.value).split())
            found = statements(said)  # before: "GRANT CONNECT ON DATABASE ... TO user": a syntax error
            assert found == [f'GRANT CONNECT ON DATABASE {name} TO "user"'], said
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(found[0])
            psycopg.connect(as_user).close()  # the grant it names is the cure
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute('DROP ROLE IF EXISTS "user"')
