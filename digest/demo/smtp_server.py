"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives: for the demo and tests."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

_held: list[socket.socket] = []  # free_port's sockets, until release_ports()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on, kept for the caller (aiosmtpd cannot bind port 0 itself).

    The port stays bound here (SO_REUSEADDR, not listening) until :func:`release_ports`: the
    kernel gives it to no one else meanwhile (no bind of port 0, in this process or another, no
    outgoing connection's own port, no bind without SO_REUSEADDR), while the server meant for it
    binds it, as servers do with SO_REUSEADDR (asyncio's and aiosmtpd's, socket.create_server,
    http.server's, werkzeug's, waitress's), in this process or another. Without it, the port was
    free for whoever came first between this probe and the server's bind. A connection to it is
    refused until the server listens, as for any free port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    _held.append(s)
    return s.getsockname()[1]


def release_ports() -> None:
    """Let go of the ports :func:`free_port` kept (their servers are done: a test's end)."""
    while _held:
        _held.pop().close()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Mailbox:
    """aiosmtpd handler: accepts every message and appends it to ``messages``."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


class LocalSmtpServer:
    """``with LocalSmtpServer() as server:`` runs aiosmtpd on 127.0.0.1:<free port>."""

    def __init__(self, handler: Any | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = handler if handler is not None else Mailbox()
        self.host = host
        self.port = port  # 0: pick a free one
        self.controller: Controller | None = None

    def start(self) -> LocalSmtpServer:
        last: Exception | None = None
        fixed = self.port
        for _ in range(5):  # a start aiosmtpd gave up on (its ready_timeout) is tried again elsewhere
            self.port = fixed or free_port(self.host)
            controller = Controller(self.handler, hostname=self.host, port=self.port)
            try:
                controller.start()
            except (OSError, RuntimeError) as e:
                last = e
                continue
            self.controller = controller
            return self
        raise RuntimeError(f"could not start the local SMTP server: {last}")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> LocalSmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages
