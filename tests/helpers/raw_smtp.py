"""A raw SMTP server on a loopback socket that says what a test gives it (its EHLO's lines, bytes
aiosmtpd never says: `SIZE ²`, `AUTH plain login`), takes any login, and keeps the messages whose
data's end it got: for the servers in the wild that no aiosmtpd option makes."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class RawServer:
    """``ehlo``: the lines after its EHLO's first (b"SIZE 10", b"AUTH PLAIN"); ``port`` once started;
    ``messages``: the data of each message whose end it got; ``commands``: every line it read
    outside a message's data (b"AUTH PLAIN AGFkYQ..."); ``cut_after``: hang up (without reading
    further) once it has read that many bytes of a message's data, or stop reading (``stalled``) until
    ``released``; ``hang_up_at``: shut the connection, answering nothing, at the first line that
    begins so (b"AUTH", b"RCPT"), or, b".", at the end of a message's data (its answer never given)."""

    ehlo: list[bytes]
    cut_after: int | None = None
    port: int = 0
    stalled: bool = False
    hang_up_at: bytes | None = None
    released: threading.Event = field(default_factory=threading.Event)
    messages: list[bytes] = field(default_factory=list)
    commands: list[bytes] = field(default_factory=list)

    def answer(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 mx ESMTP\r\n")
            for line in lines:
                self.commands.append(line.rstrip(b"\r\n"))
                if self.hang_up_at not in (None, b".") and line.upper().startswith(self.hang_up_at):
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    said = [b"mx", *self.ehlo]
                    conn.sendall(
                        b"".join(b"250-" + s + b"\r\n" for s in said[:-1]) + b"250 " + said[-1] + b"\r\n"
                    )
                elif verb == b"AUTH":
                    conn.sendall(b"235 2.7.0 Authentication successful\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    if not self.take_data(conn, lines):
                        return
                    if self.hang_up_at == b".":
                        conn.shutdown(socket.SHUT_RDWR)
                        return
                    conn.sendall(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 OK\r\n")

    def take_data(self, conn: socket.socket, lines) -> bool:
        """A message's data, to its end (kept: True), or cut at ``cut_after`` bytes (False)."""
        data = b""
        if self.cut_after == 0:  # gone as our data begins
            return self.cut(conn)
        for line in lines:
            if line == b".\r\n":
                self.messages.append(data)
                return True
            data += line
            if self.cut_after is not None and len(data) >= self.cut_after:
                return self.cut(conn)
        return False

    def cut(self, conn: socket.socket) -> bool:
        """Hang up at once (a reset: what remains of the data unread), as a server that crashed; or,
        ``stalled``, read no more for a while (its window closed), as a server stuck."""
        if self.stalled:
            self.released.wait(30)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        return False


@contextlib.contextmanager
def raw_server(
    ehlo: list[bytes],
    cut_after: int | None = None,
    tls: ssl.SSLContext | None = None,
    apart: bool = False,
    hang_up_at: bytes | None = None,
) -> Iterator[RawServer]:
    """A :class:`RawServer` on a free loopback port while the block runs; in TLS from the start with
    ``tls`` (port 465's way, smtp.security: ssl); each connection answered in a thread of its own with
    ``apart`` (else one after the other: a second waits for the first to end); ``hang_up_at``: as
    :class:`RawServer`'s."""
    listener = socket.create_server(("127.0.0.1", 0))
    if cut_after is not None:  # a small window: our data waits for it, as for a slow reader's
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server = RawServer(ehlo, cut_after, listener.getsockname()[1], hang_up_at=hang_up_at)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                if tls is not None:
                    conn = tls.wrap_socket(conn, server_side=True)
                if apart:
                    threading.Thread(target=server.answer, args=(conn,), daemon=True).start()
                else:
                    server.answer(conn)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server
    finally:  # shutdown wakes the thread's accept (close alone leaves it listening)
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
