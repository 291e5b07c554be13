"""A host of a PostgreSQL URL whose name resolves to two addresses is named once, with what each
address said.

psycopg resolves a name itself and tries each of its addresses in turn (`localhost` to 127.0.0.1
and ::1), listing each try under the same host. The message named the host once per address,
as if the URL named it twice: "at none of its hosts: twin.test:5432: Connection refused ...;
twin.test:5432: Connection refused ...; 127.0.0.1:5433: ...". Now: "twin.test:5432, at each of
its addresses (127.0.0.1 and 127.0.0.2): Connection refused ...", or, where the addresses said
different things, "twin.test:5432: at 127.0.0.1: ...; at 127.0.0.2: ...".

No name here resolves to two addresses (/etc/hosts gives localhost 127.0.0.1 alone), so the
resolver's answer for the made-up name twin.test is the one thing stood in for; the connections
are real, to two loopback addresses where nothing listens."""

from __future__ import annotations

import socket

import pytest

from digest.demo.smtp_server import free_port
from digest.errors import StoreError
from digest.store import Store

TWIN = "twin.test"


@pytest.fixture
def twin_resolves_to_two(monkeypatch):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != TWIN:
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
            for address in ("127.0.0.1", "127.0.0.2")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_of_two_addresses_is_named_once(twin_resolves_to_two):
    port, other = free_port("127.0.0.1"), free_port("127.0.0.1")
    with pytest.raises(StoreError) as info:
        Store(f"postgresql://{TWIN}:{port},127.0.0.1:{other}/digest")
    said = str(info.value)
    assert said.partition("at none of its hosts: ")[2].count(f"{TWIN}:{port}") == 1, said
    assert (
        f"at none of its hosts: {TWIN}:{port}, at each of its addresses (127.0.0.1 and 127.0.0.2): "
        "Connection refused Is the server running on that host and accepting TCP/IP connections?; "
        f"127.0.0.1:{other}: Connection refused"
    ) in said, said


def test_a_url_of_that_one_host_names_it_once(twin_resolves_to_two):
    """The URL naming that host alone (`postgresql://localhost/db`, the commonest): psycopg still
    lists a try per address, and the message was that list as it is ("connection failed: connection
    to server at "127.0.0.2" ... Multiple connection attempts failed. All failures were: - host:
    'twin.test', ..." on one line), the host named once per address."""
    port = free_port("127.0.0.1")
    with pytest.raises(StoreError) as info:
        Store(f"postgresql://{TWIN}:{port}/digest")
    said = str(info.value)
    assert (
        f"cannot connect to PostgreSQL: {TWIN}:{port}, at each of its addresses (127.0.0.1 and 127.0.0.2): "
        "Connection refused Is the server running on that host and accepting TCP/IP connections?; check"
    ) in said, said
    assert "Multiple connection attempts failed" not in said, said


def test_a_host_the_url_names_twice_is_named_twice():
    """Its tries are not one host's addresses: the URL named it again (`h:5432,h:5432`), and each
    time is said; grouped by host, it read "127.0.0.1:5432, at each of its addresses (127.0.0.1 and
    127.0.0.1): ...", an address said twice as two."""
    port = free_port("127.0.0.1")
    with pytest.raises(StoreError) as info:
        Store(f"postgresql://127.0.0.1:{port},127.0.0.1:{port}/digest")
    said = str(info.value)
    refused = "Connection refused Is the server running on that host and accepting TCP/IP connections?"
    host = f"127.0.0.1:{port}"
    assert f"at none of its hosts: {host}: {refused}; {host}: {refused}; check" in said, said
    assert "at each of its addresses" not in said, said
