"""aiosmtpd servers on loopback with a login (AUTH), for the tests of a login refused or failed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from digest.demo.smtp_server import Mailbox, free_port


@contextlib.contextmanager
def login_server(**options) -> Iterator[int]:
    """An aiosmtpd server on a free loopback port, with aiosmtpd's ``options`` (its login goes to
    ``authenticator``), running while the block runs: its port."""
    port = free_port("127.0.0.1")
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def refusing_logins() -> contextlib.AbstractContextManager[int]:
    """A server that offers its login without TLS and refuses every one with a 535 (as a wrong
    password is refused): its port."""
    refuse = lambda *args: AuthResult(success=False, handled=False)  # noqa: E731 - aiosmtpd's 535
    return login_server(auth_require_tls=False, authenticator=refuse)
