"""A URL asking for a standby if there is one (target_session_attrs=prefer-standby) whose hosts
none let in names each host once, as the URL names it. psycopg tries the whole list twice then (a
round for a standby, then one for any server) and lists every try of both rounds: the message
named each host twice ("at none of its hosts: 127.0.0.1:P1: Connection refused ...; 127.0.0.1:P2:
...; 127.0.0.1:P1: ...; 127.0.0.1:P2: ..."), a URL of one host as if it named two, and a name of
two addresses as two hosts each of them. Real connections to loopback ports where nothing
listens; the made-up name's two addresses stood in for as in test_pg_name_of_two_addresses."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator

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


@contextlib.contextmanager
def a_primary_let_in_once() -> Iterator[int]:
    """A loopback port where a server lets one connection in, saying it is a primary (PostgreSQL 15,
    in_hot_standby off), and listens no more after it: a primary gone between psycopg's two rounds."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def message(kind: bytes, payload: bytes) -> bytes:
        return kind + struct.pack("!i", len(payload) + 4) + payload

    def serve() -> None:
        conn, _ = listener.accept()
        listener.close()  # the second round finds nobody listening
        with conn:
            while True:  # SSLRequest, GSSENCRequest: answered "N" (not here); then the startup
                length, code = struct.unpack("!ii", conn.recv(8, socket.MSG_WAITALL))
                conn.recv(length - 8, socket.MSG_WAITALL)
                if code not in (80877103, 80877104):
                    break
                conn.sendall(b"N")
            said = message(b"R", struct.pack("!i", 0))  # AuthenticationOk
            for key, value in (
                ("server_version", "15.0"),
                ("in_hot_standby", "off"),
                ("default_transaction_read_only", "off"),
                ("client_encoding", "UTF8"),
                ("standard_conforming_strings", "on"),
                ("integer_datetimes", "on"),
            ):
                said += message(b"S", f"{key}\0{value}\0".encode())
            conn.sendall(said + message(b"K", struct.pack("!ii", 1, 2)) + message(b"Z", b"I"))
            conn.recv(64)  # its Terminate: not a standby, let go

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        with contextlib.suppress(OSError):
            listener.close()
        thread.join(5)


def test_a_host_that_failed_otherwise_the_second_time_is_said_as_each_round_found_it():
    # the round for a standby let in to a primary ("server is not in hot standby mode": no fault with
    # prefer-standby), the round for any server refused: that is why no connection was made, and
    # was left out as the second round's words
    with a_primary_let_in_once() as port:
        told = said(f"postgresql://127.0.0.1:{port}/digest?{STANDBY}")
    # before: "cannot connect to PostgreSQL: 127.0.0.1:P: server is not in hot standby mode; check"
    host = f"127.0.0.1:{port}"
    assert f"hosts: {host}: server is not in hot standby mode; {host}: {REFUSED}; check the URL" in told, told
