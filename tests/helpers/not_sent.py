"""ada's digest not sent, as the tests of what `digest send` says of it use it: her profile and day
(ready, with_smtp), servers that defer it (Defers), greet with a refusal (greeting) or stop
answering at RCPT (SilentAtRcpt) or hang up at a command (hanging_up_at), her retry made due
(due_now), and her row of the send's table; a login asked of a server offering none (LOGIN,
no_login)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from digest.demo.smtp_server import Mailbox
from digest.store import Store
from helpers.raw_smtp import raw_server

from conftest import Workspace, make_dump

ADA = "email: ada@example.org\ninterests: [neuromorphic]\n"
DAY = make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")])


class Defers(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "451 4.3.0 try later"


@contextlib.contextmanager
def greeting(reply: str) -> Iterator[int]:
    """A loopback server that answers every connection with ``reply`` (before any mail: what
    smtplib calls SMTPConnectError) and hangs up; its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.sendall(f"{reply}\r\n".encode())

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:  # shutdown wakes the thread's accept (close alone leaves it listening)
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def ready(ws: Workspace) -> Workspace:
    ws.profile("ada", ADA)
    ws.dump("day.txt", DAY)
    return ws


def with_smtp(root: Path, port: int, settings: str) -> Workspace:
    """A ready workspace in the new folder ``root``, its smtp section with ``settings`` besides."""
    root.mkdir()
    ws = ready(Workspace(root, port))
    ws.config_path.write_text(ws.config_path.read_text() + settings)
    return ws


def row_of_ada(done: Any) -> str:
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("ada ")]
    return row


STOPPED = "not sent: the mail server stopped answering; waits until 20"


class SilentAtRcpt(Mailbox):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        await asyncio.sleep(30)  # past smtp.timeout: 1
        return "250 OK"


def due_now(ws: Workspace) -> None:
    with Store(ws.config.database) as store:
        store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
        store.db.commit()


@contextlib.contextmanager
def hanging_up_at(command: bytes, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A loopback server that greets, offers AUTH PLAIN LOGIN, takes every line, and hangs up at
    ``command``'s (b"AUTH", b"RCPT"); in TLS from the start with ``tls`` (port 465's way): its port."""
    with raw_server([b"AUTH PLAIN LOGIN"], tls=tls, hang_up_at=command) as server:
        yield server.port


SETTINGS = "not sent: the mail server does not take our smtp settings; waits until 20"
LOGIN = "  username: ada\n  password_env: SMTP_PASSWORD\n"
ELSE = "use a server (or port) that offers a login, or leave out smtp.username for a server that takes mail "


def no_login(port: int, security: str) -> str:
    return f"the SMTP server 127.0.0.1:{port} ({security}) offers no login (AUTH) to log in as 'ada': "
