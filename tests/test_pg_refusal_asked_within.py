"""A command refused by PostgreSQL for want of a grant (SQLSTATE 42501) is told what that means
for its role by asking the server (may it read that table, schema_version, who owns them): asked
on one connection, within 5 s in all (digest.pggrants.ASK_WAIT), its connection and statements.
It opened a connection for each question, each allowed the 5 s connect bound: a server slow to
answer kept the error from being said for one wait after another (three for a role granted
nothing, five for a table made since the role's grant). Real parts: a role made on a fresh
database, its real refusal, a loopback proxy to the server that holds each connection."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator

import psycopg
from helpers.slow_proxy import slow_proxy

from digest.pggrants import ASK_WAIT, write_refused
from digest.store import Store

from conftest import postgres_database


@contextlib.contextmanager
def refused_role() -> Iterator[tuple[Exception, str, str]]:
    """A role granted nothing on a fresh database of digest's: (its real refusal to read
    schema_version, its name, the database's name)."""
    role = f"digest_none_{uuid.uuid4().hex[:8]}"
    with postgres_database() as url:
        with Store(url):
            pass
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
        try:
            with psycopg.connect(host="127.0.0.1", dbname=name, user=role, password="pw") as conn:
                try:
                    conn.execute("SELECT version FROM schema_version")
                except psycopg.Error as e:
                    refusal = e
            yield refusal, role, name
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def urls(role: str, port: int, name: str) -> tuple[str, str]:
    """The URL said (no password) and the one connected to, through the proxy on ``port``."""
    return f"postgresql://{role}@127.0.0.1:{port}/{name}", f"postgresql://{role}:pw@127.0.0.1:{port}/{name}"


def test_a_slow_server_is_asked_once():
    with refused_role() as (refusal, role, name), slow_proxy(delay=2.0) as proxy:
        start = time.monotonic()
        said = str(write_refused(refusal, *urls(role, proxy.port, name)))
        took = time.monotonic() - start
    assert f"role '{role}' may not read this database; grant it (GRANT SELECT" in said, said
    # before: 3 connections, 6 s
    assert proxy.connections == 1 and took < 4.0, (proxy.connections, took)


def test_a_server_that_does_not_answer_is_given_up_on_within_the_bound():
    with refused_role() as (refusal, role, name), slow_proxy(delay=None) as proxy:
        start = time.monotonic()
        said = str(write_refused(refusal, *urls(role, proxy.port, name)))
        took = time.monotonic() - start
    # not asked: said as a write refused, as before; before: 10 s (two connections, 5 s each)
    assert f"role '{role}' may not write this database" in said, said
    assert took < ASK_WAIT + 1.5, took
