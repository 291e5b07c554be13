"""A PostgreSQL URL whose host is an IPv6 address (`postgresql://[::1]:5432/digest`) is said as a
URL writes it, the address in brackets: "PostgreSQL at [::1]:5432", not "at ::1:5432", where the
port cannot be told from the address. The server here is a loopback one on ::1 that speaks just
enough of PostgreSQL's protocol to ask for a password (none is given)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, make_dump

REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered "N" (not here)


def _ask_a_password(conn: socket.socket) -> None:
    with conn:
        while header := conn.recv(8, socket.MSG_WAITALL):
            length, code = struct.unpack("!ii", header)
            if length == 8 and code in REQUESTS:
                conn.sendall(b"N")
                continue
            conn.recv(length - 8, socket.MSG_WAITALL)  # the startup message: user, database
            conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            conn.recv(1024)  # libpq hangs up: no password to give
            return


@contextlib.contextmanager
def asks_a_password_on_ipv6() -> Iterator[int]:
    try:
        server = socket.socket(socket.AF_INET6)
        server.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    server.listen()
    server.settimeout(10)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                _ask_a_password(server.accept()[0])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_an_ipv6_host_is_said_in_brackets(workspace, monkeypatch, tmp_path):
    ws = workspace
    for name in ("PGPASSWORD", "PGHOST", "PGPORT", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
    with asks_a_password_on_ipv6() as port:
        result = ws.cli("db", "migrate", "--to", f"postgresql://digest@[::1]:{port}/digest")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    # before: "... PostgreSQL at ::1:PORT asks a password of role 'digest' ..."
    assert (
        f"error: postgresql://digest@[::1]:{port}/digest: PostgreSQL at [::1]:{port} asks a password "
        "of role 'digest' and none was given"
    ) in said, said


def test_a_url_shown_without_its_password_keeps_the_brackets_of_an_ipv6_host():
    from digest.db import shown

    # before: "postgresql://digest:***@::1:5432/digest"
    assert shown("postgresql://digest:pw@[::1]:5432/digest") == "postgresql://digest:***@[::1]:5432/digest"
    assert shown("postgresql://digest:pw@db1:5432/digest") == "postgresql://digest:***@db1:5432/digest"
