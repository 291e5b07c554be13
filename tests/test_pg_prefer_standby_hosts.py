"""A URL asking for a standby if there is one (target_session_attrs=prefer-standby) whose hosts
none let in names each host once, as the URL names it. psycopg tries the whole list twice then (a
round for a standby, then one for any server) and lists every try of both rounds: the message
named each host twice ("at none of its hosts: 127.0.0.1:P1: Connection refused ...; 127.0.0.1:P2:
...; 127.0.0.1:P1: ...; 127.0.0.1:P2: ..."), a URL of one host as if it named two, and a name of
two addresses as two hosts each of them. Real connections to loopback ports where nothing
listens; the made-up name's two addresses stood in for as in test_pg_name_of_two_addresses."""

from __future__ import annotations

import pytest
from test_pg_name_of_two_addresses import TWIN, twin_resolves_to_two  # noqa: F401 (a fixture)

from digest.demo.smtp_server import free_port
from digest.errors import StoreError
from digest.store import Store

REFUSED = "Connection refused Is the server running on that host and accepting TCP/IP connections?"
STANDBY = "target_session_attrs=prefer-standby"


def said(url: str) -> str:
    with pytest.raises(StoreError) as info:
        Store(url, timeout=5)
    return str(info.value)


def test_two_hosts_are_each_named_once():
    first, second = free_port("127.0.0.1"), free_port("127.0.0.1")
    told = said(f"postgresql://127.0.0.1:{first},127.0.0.1:{second}/digest?{STANDBY}")
    assert (
        f"at none of its hosts: 127.0.0.1:{first}: {REFUSED}; 127.0.0.1:{second}: {REFUSED}; check the URL"
    ) in told, told


def test_one_host_is_named_once_not_as_several():
    port = free_port("127.0.0.1")
    told = said(f"postgresql://127.0.0.1:{port}/digest?{STANDBY}")
    # before: "cannot connect to PostgreSQL: at none of its hosts: 127.0.0.1:P: ...; 127.0.0.1:P: ..."
    assert f"cannot connect to PostgreSQL: 127.0.0.1:{port}: {REFUSED}; check the URL" in told, told


def test_a_host_the_url_names_twice_is_still_named_twice():
    port = free_port("127.0.0.1")
    told = said(f"postgresql://127.0.0.1:{port},127.0.0.1:{port}/digest?{STANDBY}")
    host = f"127.0.0.1:{port}"
    assert f"at none of its hosts: {host}: {REFUSED}; {host}: {REFUSED}; check" in told, told


def test_a_name_of_two_addresses_is_named_once_with_both(twin_resolves_to_two, monkeypatch):  # noqa: F811
    port = free_port("127.0.0.1")
    monkeypatch.setenv("PGTARGETSESSIONATTRS", "prefer-standby")  # the environment's, as libpq takes it
    told = said(f"postgresql://{TWIN}:{port}/digest")
    assert (
        f"cannot connect to PostgreSQL: {TWIN}:{port}, at each of its addresses (127.0.0.1 and 127.0.0.2): "
        f"{REFUSED}; check"
    ) in told, told
