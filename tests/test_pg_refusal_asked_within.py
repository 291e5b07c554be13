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
    # not asked: said as such; before: 10 s (two connections, 5 s each)
    assert f"role '{role}' was refused table schema_version, and why could not be asked" in said, said
    assert took < ASK_WAIT + 1.5, took


def test_a_read_refused_by_a_server_gone_before_it_could_be_asked_why_is_not_said_a_write():
    # the role granted nothing, refused a read (SELECT ... FROM schema_version); the server gone when
    # asked why (a proxy whose server is down hangs up). Before: "role '...' may not write this
    # database, and this command writes to it; ... grant this role writes (GRANT INSERT, UPDATE,
    # DELETE ...)", what an Asked() not asked said: granted, the read was refused again
    with refused_role() as (refusal, role, name), slow_proxy(delay=None, hang_up=True) as proxy:
        said = str(write_refused(refusal, *urls(role, proxy.port, name)))
    assert proxy.connections >= 1  # it was asked, and could not be
    assert "may not write this database" not in said, said
    assert (
        f"role '{role}' was refused table schema_version, and why could not be asked (the server did "
        "not answer the question): it may not read this database, or only read it and this command "
        f"writes; grant it what its commands need (GRANT SELECT ON ALL TABLES IN SCHEMA "
    ) in said, said
    assert f"TO {role}, and INSERT, UPDATE, DELETE for a command that writes)" in said, said
    assert said.endswith("(permission denied for table schema_version)"), said
