"""A `digest serve` on PostgreSQL holds a connection for its pages' polls (digest.web.held). A
network that drops that connection without a word (a NAT's or a firewall's mapping forgotten, a
link gone: no reset, nothing more answered) must not hang the polls that read on it: a poll is
answered within seconds, on a new connection."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request

import pytest
from test_poll_held import HANG, sessions

from digest.db import is_postgres
from digest.signing import Signer

from conftest import NOW, SECRET, WebWorkspace, make_dump

pytestmark = pytest.mark.backends


class FreezingProxy:
    """A loopback TCP proxy to the PostgreSQL server the PG* variables name. :meth:`freeze`: the
    connections it forwards now stop forwarding either way, and are not closed (a network that
    dropped them without a word); those made after are forwarded (a new path)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen: set[int] = set()
        self.open: list[tuple[int, socket.socket, socket.socket]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _upstream(self) -> socket.socket:
        host, port = os.environ.get("PGHOST", "localhost"), int(os.environ.get("PGPORT", "5432"))
        if host.startswith("/"):
            unix = socket.socket(socket.AF_UNIX)
            unix.connect(f"{host}/.s.PGSQL.{port}")
            return unix
        return socket.create_connection((host, port))

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = self._upstream()
            self.open.append((len(self.open), client, server))
            number = len(self.open) - 1
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(number, a, b), daemon=True).start()

    def _pump(self, number: int, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                dst.close()
                return
            if number in self.frozen:
                continue  # dropped on the way: nothing forwarded, nothing closed
            try:
                dst.sendall(data)
            except OSError:
                return

    def freeze(self) -> None:
        self.frozen.update(n for n, _, _ in self.open)

    def close(self) -> None:
        self.listener.close()
        for _, a, b in self.open:
            a.close()
            b.close()


def test_a_poll_on_a_held_connection_the_network_dropped_is_answered_on_a_new_one(
    tmp_path, smtp_server, database, monkeypatch
):
    if not is_postgres(database):
        pytest.skip("a connection is held on PostgreSQL only (an SQLite Store's open is a file's)")
    proxy = FreezingProxy()
    try:
        through = f"postgresql://127.0.0.1:{proxy.port}/{str(database).rsplit('/', 1)[1]}"
        monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
        ws = WebWorkspace(tmp_path, smtp_server.port, through)
        ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
        assert ws.cli("ingest").exit_code == 0
        token = Signer.from_config(ws.config).token("ada", NOW)
        url = f"{ws.base_url}/u/{token}/version"
        with ws.served(HANG) as proc:
            with urllib.request.urlopen(url, timeout=HANG) as answer:
                first = json.loads(answer.read())
            held = sessions(database, proc.pid)
            assert len(held) == 2  # the link's reader and the versions, through the proxy
            proxy.freeze()
            began = time.monotonic()
            with urllib.request.urlopen(url, timeout=30) as answer:  # TCP would give up in minutes
                assert json.loads(answer.read()) == first
            took = time.monotonic() - began
            assert set(sessions(database, proc.pid)) - set(held)  # new ones (the frozen linger)
        assert took < 10, took  # both held connections cut (2 s each: held.HELD_READ_LIMIT), then read anew
    finally:
        proxy.close()
