"""aiosmtpd servers on loopback with a login (AUTH), and a sender that logs in to one: for the tests
of a login refused or failed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from digest.config import load_config
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import Mailbox, free_port

from conftest import Workspace


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


@pytest.fixture
def auth_server():
    """Starts an aiosmtpd server on a free loopback port whose login (AUTH) goes to
    ``authenticator`` (helpers.smtp_login.login_server), stopped at the test's end: its port."""
    with contextlib.ExitStack() as servers:
        yield lambda **options: servers.enter_context(login_server(**options))


def sender_for(tmp_path, port, monkeypatch) -> SmtpSender:
    """A sender that logs in as digest (its password from $DIGEST_TEST_SMTP_PW) to ``port``."""
    ws = Workspace(tmp_path, port)
    text = ws.config_path.read_text().replace("  timeout: 5\n", "  timeout: 1\n")
    ws.config_path.write_text(text + "  username: digest\n  password_env: DIGEST_TEST_SMTP_PW\n")
    monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "secret")
    return SmtpSender(load_config(ws.config_path).smtp)
