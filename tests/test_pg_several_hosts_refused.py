"""A URL naming several hosts (`postgresql://h1:5432,h2:5433/db`) that none let in: what each said.

psycopg tries the hosts in turn and raises the last one's error, its list of every attempt after it;
the message was that text on one line, opening with the last host ("connection to server at
"127.0.0.1", port 42093 failed: Connection refused ... Multiple connection attempts failed. All
failures were: - host: ..."), a host whose name did not resolve named nowhere, and a lasting refusal
blamed on the last host ("database 'nosuchdb' does not exist on PostgreSQL at 127.0.0.1:42093", the
host that refused the connection, where another said the database did not exist).

Now each host is named, in the URL's order, with what it said, and a refusal that lasts names the
host whose server said it."""

from __future__ import annotations

import os
import re

import pytest

from digest.demo.smtp_server import free_port
from digest.errors import StoreError, StoreUnusable
from digest.store import Store

from conftest import postgres_database


def test_each_host_is_named_with_what_it_said(tmp_path):
    first, second = free_port("127.0.0.1"), free_port("127.0.0.1")  # nothing listens on either
    url = f"postgresql://nosuch.invalid:5432,127.0.0.1:{first},127.0.0.1:{second}/digest"
    with pytest.raises(StoreError) as info:
        Store(url)
    said = str(info.value)
    assert (
        f"cannot connect to PostgreSQL: at none of its hosts: 127.0.0.1:{first}: Connection refused" in said
    )
    assert f"; 127.0.0.1:{second}: Connection refused" in said
    assert "connections?; nosuch.invalid:5432: not tried, its name does not resolve; check the URL" in said
    assert "Multiple connection attempts failed" not in said


def test_a_lasting_refusal_names_the_host_that_said_it():
    with postgres_database() as url:
        refusing = free_port("127.0.0.1")
        host, port = os.environ.get("PGHOST") or "localhost", os.environ.get("PGPORT") or "5432"
        if host.startswith("/"):
            pytest.skip("the PG* server is reached by a socket folder")
        missing = f"postgresql://{host}:{port},127.0.0.1:{refusing}/{url.removeprefix('postgresql:///')}_none"
        with pytest.raises(StoreUnusable) as info:
            Store(missing)
    said = str(info.value)
    assert re.search(rf"does not exist on PostgreSQL at {re.escape(host)}:{port}; create it", said), said
    assert f"each host said: {host}:{port}: FATAL: database" in said
    assert f"; 127.0.0.1:{refusing}: Connection refused" in said


def test_hosts_pghost_names_are_each_named_too(monkeypatch):
    """The URL naming no host, PGHOST naming two: each is named, none said not to resolve."""
    first, second = free_port("127.0.0.1"), free_port("127.0.0.1")
    monkeypatch.setenv("PGHOST", "127.0.0.1,127.0.0.1")
    monkeypatch.setenv("PGPORT", f"{first},{second}")
    with pytest.raises(StoreError) as info:
        Store("postgresql:///digest")
    said = str(info.value)
    assert (
        f"at none of its hosts: 127.0.0.1:{first}: Connection refused Is the server running on that host "
        f"and accepting TCP/IP connections?; 127.0.0.1:{second}: Connection refused"
    ) in said, said
    assert "not tried" not in said


def test_hosts_whose_names_do_not_resolve_are_each_named_where_none_or_one_was_tried():
    """psycopg lists its attempts only where it made several: with no host resolved it raised the
    last name's error alone, with one tried that one's; the other hosts were named nowhere."""
    with pytest.raises(StoreError) as info:
        Store("postgresql://nosuch1.invalid,nosuch2.invalid:5433/digest")
    assert (
        "cannot connect to PostgreSQL: at none of its hosts: nosuch1.invalid: not tried, its name does "
        "not resolve; nosuch2.invalid:5433: not tried, its name does not resolve; check the URL"
    ) in str(info.value), info.value
    refusing = free_port("127.0.0.1")
    with pytest.raises(StoreError) as info:
        Store(f"postgresql://nosuch.invalid:5432,127.0.0.1:{refusing}/digest")
    said = str(info.value)
    assert f"at none of its hosts: 127.0.0.1:{refusing}: Connection refused" in said, said
    assert "connections?; nosuch.invalid:5432: not tried, its name does not resolve; check the URL" in said
