"""A real `digest send` to an aiosmtpd server on loopback that wants what the config does not
give it (STARTTLS, a login): the refusal at MAIL FROM says which setting to change."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from digest.demo.smtp_server import free_port

from conftest import Workspace, make_dump

PAPERS = [("Spiking Neural Networks at Scale", "We train spiking neural networks on event data.")]


@pytest.fixture
def server(trusted, smtp_servers):
    """Start an aiosmtpd server with ``options`` on a free loopback port; its port."""

    def start(**options):
        return smtp_servers(**options).port

    start.tls = trusted
    return start


def send(tmp_path, port, settings=""):
    ws = Workspace(tmp_path, port)
    ws.config_path.write_text(ws.config_path.read_text() + settings)
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\n")
    ws.cli("ingest")
    return ws.cli("send")


def test_a_server_that_wants_starttls_first_says_to_set_security_starttls(tmp_path, server):
    port = server(tls_context=server.tls, require_starttls=True)
    result = send(tmp_path, port)
    assert result.exit_code == 1
    assert "530 Must issue a STARTTLS command first" in result.output
    assert "check smtp.from" not in result.output
    assert "the server takes mail only over TLS: set smtp.security: starttls" in result.output
    assert "the digests wait in the outbox" in result.output
    (tmp_path / "again").mkdir()  # with the setting it wants, a digest goes
    result = send(tmp_path / "again", port, "  security: starttls\n")
    assert result.exit_code == 0, result.output


def test_a_server_that_wants_a_login_says_to_set_a_username(tmp_path, server, monkeypatch):
    port = server(
        authenticator=lambda *args: AuthResult(success=True),
        auth_required=True,
        auth_require_tls=False,
    )
    result = send(tmp_path, port)
    assert result.exit_code == 1
    assert "530 5.7.0 Authentication required" in result.output
    assert "check smtp.from" not in result.output
    assert (
        "the server takes mail only after a login: set smtp.username and smtp.password_env" in result.output
    )
    monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "secret")
    (tmp_path / "again").mkdir()
    result = send(tmp_path / "again", port, "  username: digest\n  password_env: DIGEST_TEST_SMTP_PW\n")
    assert result.exit_code == 0, result.output


def test_tls_from_the_start_to_a_server_that_speaks_first_in_the_clear_says_to_set_starttls(tmp_path, server):
    port = server(tls_context=server.tls, require_starttls=True)  # as on port 587
    result = send(tmp_path, port, "  security: ssl\n")
    assert result.exit_code == 1
    assert "WRONG_VERSION_NUMBER" not in result.output
    assert (
        "the server answered in the clear, not in TLS: a server that takes TLS after STARTTLS "
        "(port 587, or 25) wants smtp.security: starttls; TLS from the start (ssl) is port 465"
    ) in result.output


def test_starttls_to_a_server_that_takes_tls_from_the_start_says_to_set_ssl(tmp_path, server):
    port = server(ssl_context=server.tls)  # as on port 465: it waits for our TLS, and greets in it
    result = send(tmp_path, port, "  security: starttls\n")  # smtp.timeout: 5, the Workspace's
    assert "took the connection, and timed out before its greeting (smtp.timeout: 5 s)" in result.output
    assert "set smtp.security: ssl for such a port" in result.output
    assert "check smtp.host, smtp.port and smtp.security" not in result.output
    (tmp_path / "ssl").mkdir()
    assert send(tmp_path / "ssl", port, "  security: ssl\n").exit_code == 0


class LoginAtRcpt:
    """A server that takes MAIL FROM from anyone and asks for a login only at RCPT TO."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "530 5.7.0 Authentication required"


def test_a_server_that_wants_a_login_at_rcpt_says_to_set_a_username(tmp_path):
    controller = Controller(LoginAtRcpt(), hostname="127.0.0.1", port=free_port("127.0.0.1"))
    controller.start()
    try:
        ws = Workspace(tmp_path, controller.port)
        ws.dump("day.txt", make_dump("Mar 14", PAPERS))
        for user in ("ada", "bob", "cy"):  # a refusal of us: several recipients in a row
            ws.profile(user, f"email: {user}@example.org\ninterests: [spiking]\n")
        ws.cli("ingest")
        result = ws.cli("send")
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert "530 5.7.0 Authentication required" in result.output
    assert "relaying denied" not in result.output, result.output
    assert (
        "the server takes mail only after a login: set smtp.username and smtp.password_env" in result.output
    )
    assert "the digests wait in the outbox" in result.output
