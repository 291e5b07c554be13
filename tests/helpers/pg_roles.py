"""PostgreSQL roles for the tests of what a role may do: one granted reads only (reader_of), one
granted nothing (granted_nothing), a database owned by a new role beside another (owned_database), a
statement run as the superuser in a database (run_as_said), and the real `digest` run through them
(digest, ada_ingested, ada_and_a_dump); a database as release 35 left it, granted to a role before
its upgrade (as_release_35, granted_before_upgrade, psql, said); PostgreSQL's refusal of a statement
to a role, and what digest says of it (refusal, told)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from digest.store import Store
from helpers.pg_schema import PASSWORD

from conftest import PG_ENV, Workspace, a_minute_ago, make_dump, postgres_database

ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'


@contextlib.contextmanager
def reader_of(url: str) -> Iterator[tuple[str, str]]:
    """A role granted SELECT only on ``url``'s tables: (its name, its URL; PASSWORD its password)."""
    with _role_on(url, "digest_reader", reads=True) as made:
        yield made


@contextlib.contextmanager
def granted_nothing(url: str) -> Iterator[tuple[str, str]]:
    """A role granted nothing on ``url`` (PUBLIC's connect only): (its name, its URL; PASSWORD its
    password)."""
    with _role_on(url, "digest_none", reads=False) as made:
        yield made


@contextlib.contextmanager
def _role_on(url: str, prefix: str, reads: bool) -> Iterator[tuple[str, str]]:
    """A new login role ``prefix``_<8 hex> with PASSWORD, granted SELECT on ``url``'s tables if
    ``reads``: (its name, its URL); then ``url``'s database and the role dropped."""
    role, name = f"{prefix}_{uuid.uuid4().hex[:8]}", url.rsplit("/", 1)[1]
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    try:
        if reads:
            with Store(url) as store:
                store.db.raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        host = os.environ.get("PGHOST", "127.0.0.1")
        host = "127.0.0.1" if host.startswith("/") else host
        yield role, f"postgresql://{role}@{host}:{os.environ.get('PGPORT', '5432')}/{name}"
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {role}")


@contextlib.contextmanager
def owned_database(member: bool) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """A fresh database owned by a new login role, and another new login role (a member of the
    first if ``member``), both with PASSWORD: (its URL as the PG* variables' superuser, the owner,
    the other, each of the two's URL)."""
    if not any(os.environ.get(v) for v in PG_ENV):  # as postgres_database, before the roles are made
        pytest.skip("no PostgreSQL server: set PGHOST/PGPORT/PGUSER/PGPASSWORD (or run under pg_virtualenv)")
    tag = uuid.uuid4().hex[:8]
    owner, other = f"digest_owner_{tag}", f"digest_other_{tag}"
    with psycopg.connect(autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN PASSWORD '{PASSWORD}'")
        admin.execute(
            f"CREATE ROLE {other} LOGIN PASSWORD '{PASSWORD}'" + (f" IN ROLE {owner}" if member else "")
        )
    try:
        with postgres_database() as url:
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"ALTER DATABASE {name} OWNER TO {owner}")
            host = os.environ.get("PGHOST", "127.0.0.1")
            host = "127.0.0.1" if host.startswith("/") else host
            port = os.environ.get("PGPORT", "5432")
            yield url, owner, other, {r: f"postgresql://{r}@{host}:{port}/{name}" for r in (owner, other)}
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {other}")
            admin.execute(f"DROP ROLE IF EXISTS {owner}")


def digest(ws: Workspace, *args: str, as_reader: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args],
        capture_output=True,
        text=True,
        cwd=ws.root.parent,
        env={**os.environ, "PGPASSWORD": PASSWORD} if as_reader else None,
        timeout=120,
    )


def ada_ingested(tmp_path, url: str) -> Workspace:
    """A workspace on the database ``url`` with ada's profile and a dump of today's, taken in by a
    real `digest ingest` as the database's owner."""
    ws = ada_and_a_dump(tmp_path, url)
    assert digest(ws, "ingest", as_reader=False).returncode == 0
    return ws


def ada_and_a_dump(tmp_path, url: str) -> Workspace:
    """A workspace on the database ``url`` with ada's profile (ADA) and a dump of today's, a paper
    of neuromorphic chips, not taken in yet."""
    ws = Workspace(tmp_path, database=url)
    ws.profile("ada", ADA)
    ws.dump(
        "a.txt",
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Chips", "Spikes.")]),
        mtime=a_minute_ago(),
    )
    return ws


def run_as_said(url: str, statement: str) -> None:
    with psycopg.connect(dbname=url.rsplit("/", 1)[1], autocommit=True) as admin:
        admin.execute(statement)


WRITES = "SELECT, INSERT, UPDATE, DELETE"


def psql(url: str, role: str, sql: str) -> None:
    """``sql`` run by psql as ``role`` (PASSWORD) on ``url``'s database, as an operator runs it."""
    name = url.rsplit("/", 1)[1]
    done = subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", "127.0.0.1", "-U", role, "-d", name, "-c", sql],
        capture_output=True,
        text=True,
        env={**os.environ, "PGPASSWORD": PASSWORD},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def as_release_35(url: str, owner: str) -> None:
    """The tables as the release at schema 35 left them (before missed_said)."""
    tables_at_35 = (  # (36's, 37's, 38's, 39's)
        "DROP TABLE missed_said; ALTER TABLE outbox DROP COLUMN for_files; DROP TABLE listing_fetches; "
        "ALTER TABLE fetches DROP COLUMN run_at; ALTER TABLE fetches DROP COLUMN succeeded_run_at"
    )
    psql(url, owner, f"{tables_at_35}; UPDATE schema_version SET version = 35")


def said(ws: Workspace, *args: str) -> str:
    done = digest(ws, *args)
    assert done.returncode == 1, done.stdout
    return " ".join(done.stderr.split())


@contextlib.contextmanager
def granted_before_upgrade(tmp_path: Path) -> Iterator[tuple[Workspace, str, str, str, dict[str, str]]]:
    """A database whose tables their owner made, then put back as release 35 left them, a worker's
    role granted writes ON ALL TABLES: (the owner's workspace, then as owned_database)."""
    if shutil.which("psql") is None:
        pytest.skip("no psql")
    with owned_database(member=False) as (url, owner, worker, as_role):
        ws = Workspace(tmp_path, database=as_role[owner])
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
        assert digest(ws, "status").returncode == 0  # the tables made by their owner
        as_release_35(url, owner)
        psql(url, owner, f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {worker}")
        yield ws, url, owner, worker, as_role


def refusal(reader: str, statement: str) -> psycopg.Error:
    """PostgreSQL's refusal of ``statement`` to the role of the URL ``reader``."""
    with psycopg.connect(reader, password=PASSWORD) as conn:
        try:
            conn.execute(statement)
        except psycopg.Error as e:
            return e
    raise AssertionError(f"not refused: {statement}")


def told(explain, refused: psycopg.Error, url: str) -> str:
    """What ``explain`` (write_refused, no_schema_usable) says of ``refused`` for ``url``."""
    return " ".join(str(explain(refused, url, url)).split())
