"""A PostgreSQL server slow to answer: a loopback TCP proxy to the server the PG* variables name
(or another ``upstream``) that holds each connection ``delay`` seconds before passing it on (None:
never, a server that takes the connection and says nothing; ``hang_up``: it hangs up at once, a
proxy whose server is down), counting the connections it was asked for."""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import threading
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
        self.passing: list[threading.Thread] = []  # each connection's: its pause, then its pumps
        self.lock = threading.Lock()
        self.closed = threading.Event()
        # what wakes the accepting thread's wait at close: a listening socket's shutdown or close
        # does not wake an accept() under way in another thread but on Linux
        self.waking, self.wake = socket.socketpair()
        self.serving = threading.Thread(target=self._serve, daemon=True)
        self.serving.start()

    def _start(self, target, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.passing.append(thread)
        thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as waiting:  # not select(): no descriptor past FD_SETSIZE
            waiting.register(self.listener, selectors.EVENT_READ)
            waiting.register(self.waking, selectors.EVENT_READ)
            while self.open:
                if any(key.fileobj is self.waking for key, _ in waiting.select()):
                    return
                if not self._accept():
                    return

    def _accept(self) -> bool:
        """Take the connection the listener has; False once the proxy is closed."""
        try:
            client, _ = self.listener.accept()
        except OSError:
            return False
        self.connections += 1
        if self.hang_up:
            client.close()
            return True
        with self.lock:
            if not self.open:
                client.close()
                return False
            self.held.append(client)
            self._start(self._pass_on, client)
        return True

    def _pass_on(self, client: socket.socket) -> None:
        if self.delay is None or self.closed.wait(self.delay):
            return  # held unanswered until closed, or closed during its pause: nothing passed on
        server = socket.create_connection(self.upstream)
        with self.lock:
            if not self.open:
                server.close()
                return
            self.held.append(server)
            self._start(_pump, server, client)
        _pump(client, server)

    def close(self) -> None:
        """Stop listening and cut every connection, to the client and to the server; its threads
        end before this returns. The accepting thread is woken through ``wake`` (its selector), then
        the listener closed; each connection is shut down, which wakes a recv() under way in
        another thread (a socket's close alone does not, and the connection stays open while it
        waits). Closing again does nothing more."""
        with self.lock:
            self.open = False
            self.closed.set()
            sockets = [*self.held]
        with contextlib.suppress(OSError):
            self.wake.send(b"\0")
        self.serving.join(10)
        with contextlib.suppress(OSError):
            self.listener.close()
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        for thread in self.passing:
            thread.join(10)
        self.waking.close()
        self.wake.close()


@contextlib.contextmanager
def slow_proxy(
    delay: float | None, upstream: tuple[str, int] | None = None, hang_up: bool = False
) -> Iterator[SlowProxy]:
    proxy = SlowProxy(delay, upstream, hang_up)
    try:
        yield proxy
    finally:
        proxy.close()
