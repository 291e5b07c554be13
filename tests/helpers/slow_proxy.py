"""A PostgreSQL server slow to answer: a loopback TCP proxy to the server the PG* variables name
(or another ``upstream``) that holds each connection ``delay`` seconds before passing it on (None:
never, a server that takes the connection and says nothing; ``hang_up``: it hangs up at once, a
proxy whose server is down), counting the connections it was asked for."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


class SlowProxy:
    """Listening on 127.0.0.1:``port`` while open; ``connections``: how many it was asked for
    (counted before the connection is passed on or hung up on)."""

    def __init__(
        self, delay: float | None, upstream: tuple[str, int] | None = None, hang_up: bool = False
    ) -> None:
        self.delay, self.connections, self.open = delay, 0, True
        self.upstream = upstream or ("127.0.0.1", int(os.environ.get("PGPORT", "5432")))
        self.hang_up = hang_up
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.serving = threading.Thread(target=self._serve, daemon=True)
        self.serving.start()

    def _serve(self) -> None:
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.hang_up:
                client.close()
                continue
            self.held.append(client)
            threading.Thread(target=self._pass_on, args=(client,), daemon=True).start()

    def _pass_on(self, client: socket.socket) -> None:
        if self.delay is None:
            return
        time.sleep(self.delay)
        server = socket.create_connection(self.upstream)
        self.held.append(server)
        threading.Thread(target=_pump, args=(server, client), daemon=True).start()
        _pump(client, server)

    def close(self) -> None:
        """Stop listening and close every connection; its accept thread ends before this returns
        (a listener's close alone does not wake an accept() under way in another thread: shutdown
        does, on Linux)."""
        self.open = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        for s in (self.listener, *self.held):
            with contextlib.suppress(OSError):
                s.close()
        self.serving.join(10)


@contextlib.contextmanager
def slow_proxy(
    delay: float | None, upstream: tuple[str, int] | None = None, hang_up: bool = False
) -> Iterator[SlowProxy]:
    proxy = SlowProxy(delay, upstream, hang_up)
    try:
        yield proxy
    finally:
        proxy.close()
