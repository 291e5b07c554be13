"""A loopback server that takes connections and never says a word: for the tests of a pass or a
send left waiting for a server's greeting."""

from __future__ import annotations

import contextlib
import socket
import threading


class Silent:
    """A loopback server that takes connections and never says a word (``connected`` once one came)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.taken: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        try:
            while True:
                self.taken.append(self.sock.accept()[0])
                self.connected.set()
        except OSError:  # closed
            return

    def close(self) -> None:
        # shutdown wakes the accept() under way in the thread (close alone does not, on Linux): no
        # thread is left running, which would keep a later test from forking
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)
        for s in self.taken:
            s.close()
