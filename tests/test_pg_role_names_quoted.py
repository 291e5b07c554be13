"""The statements digest's errors give to run (GRANT ... TO <role>, ALTER DEFAULT PRIVILEGES FOR
ROLE <owner> ...) name a role as PostgreSQL takes it when copied: a name that is not a plain
lowercase identifier (``digest-worker``, as `createuser digest-worker` makes it; ``Worker``) in
double quotes. Said bare, a hyphen is a syntax error and capitals are folded to another role's
name (role "worker" does not exist). Real parts: the roles made on a fresh database, each statement
said run there as it is written, then the grants it made asked of the server."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from digest.dbfaults import unindexed_read_only
from digest.pggrants import new_tables_granted

from conftest import postgres_database


class Refused(Exception):
    """PostgreSQL's refusal of a write to the papers' index (as psycopg raises it)."""

    sqlstate = "42501"

    def __str__(self) -> str:
        return "permission denied for table paper_terms"


def statements(text: str) -> list[str]:
    """The statements a message says to run (in its parentheses)."""
    return re.findall(r"\(((?:ALTER DEFAULT PRIVILEGES|GRANT) [^()]*?)(?:, run as [^)]*)?\)", text)


@pytest.mark.parametrize("names", [("Digest-Owner", "digest-worker"), ("Owner", "Worker")])
def test_the_statements_said_run_as_copied_for_the_roles_named(names):
    tag = uuid.uuid4().hex[:6]
    owner, worker = (f"{n}-{tag}" if "-" in n else f"{n}{tag}" for n in names)
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
