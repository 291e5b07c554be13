"""A fresh PostgreSQL database whose search_path is a schema of digest's, and a role made there:
for the tests of the grants said where digest's tables are not in public."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg

from conftest import postgres_database

PASSWORD = "r3ader-pw"  # the password of every role the PostgreSQL role tests make


@contextlib.contextmanager
def reader_in_schema(
    schema: str, search_path: str | None = None, granted: bool = True
) -> Iterator[tuple[str, str, str]]:
    """A fresh database with ``schema`` made and its search_path set to ``search_path`` (default:
    ``schema``), and a login role (its password PASSWORD), ``granted`` the schema's use or not:
    (the database's URL as the PG* variables' superuser, the role's name, its URL). Database and
    role dropped after."""
    role = f"digest_reader_{uuid.uuid4().hex[:8]}"
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(dbname=name, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
            admin.execute(f"ALTER DATABASE {name} SET search_path = {search_path or schema}")
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
            if granted:
                admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        host = os.environ.get("PGHOST", "127.0.0.1")
        host = "127.0.0.1" if host.startswith("/") else host
        try:
            yield url, role, f"postgresql://{role}@{host}:{os.environ.get('PGPORT', '5432')}/{name}"
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {role}")
