"""The SMTP sender against a real aiosmtpd server on loopback: the bytes arrive as they were."""

from __future__ import annotations

import smtplib

import pytest
from helpers import smtp_login
from helpers.smtp_login import refusing_logins, sender_for

from digest.config import load_config
from digest.deliver.data_sent import WITHDRAWN, data
from digest.deliver.transports import Envelope, LoginRefused, SmtpSender, forward_path
from digest.demo.smtp_server import LocalSmtpServer
from digest.errors import DeliveryError

from conftest import Workspace

auth_server = smtp_login.auth_server  # the fixture: an aiosmtpd server with a login

BODIES = {
    "plain": b"Subject: plain\r\n\r\nNo line starts with a period here.\r\n",
    "a period line": b"Subject: dots\r\n\r\nfirst\r\n.hidden line\r\n.\r\n..two\r\nlast\r\n",
    "no final line break": b"Subject: open\r\n\r\nthe last line has no CRLF",
    "a period first": b".Subject: odd\r\n\r\nbody\r\n",
}


@pytest.mark.parametrize("name", BODIES)
def test_a_message_arrives_byte_for_byte_with_or_without_a_line_that_starts_with_a_period(
    name, tmp_path, smtp_server
):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)
    body = BODIES[name]
    with SmtpSender(config.smtp) as sender:
        result = sender.send(Envelope("<m@example.org>", "r", config.smtp.sender, "r@example.org", body))
    assert result.ok, result.reply
    (got,) = smtp_server.messages
    expected = body if body.endswith(b"\r\n") else body + b"\r\n"
    assert got.data == expected


@pytest.mark.parametrize(
    "recipient", ["ada@example.org", "o'brien+digest@mail.example.ie", "Ada Lovelace <ada@example.org>"]
)
def test_the_envelope_is_the_senders_address_and_the_recipients_as_smtplib_gives_them(
    recipient, tmp_path, smtp_server
):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)
    assert config.smtp.sender == "Research digest <digest@example.org>"
    with SmtpSender(config.smtp) as sender:
        for _ in range(2):  # the second message: the sender's address as the first one had it
            result = sender.send(Envelope("<m@example.org>", "r", config.smtp.sender, recipient, MESSAGE))
            assert result.ok, result.reply
    assert [(m.mail_from, m.rcpt_tos) for m in smtp_server.messages] == [
        ("digest@example.org", [recipient.rpartition("<")[2].rstrip(">")])
    ] * 2
    assert forward_path(recipient) == smtplib.quoteaddr(recipient)


def test_data_refused_before_the_message_raises_as_smtplib_does(tmp_path):
    class Refusing:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
            return "250 ok"

        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
            envelope.rcpt_tos.append(address)
            return "250 ok"

    with LocalSmtpServer(Refusing()) as server, smtplib.SMTP("127.0.0.1", server.port, timeout=5) as conn:
        conn.ehlo()
        with pytest.raises(smtplib.SMTPDataError) as refused:
            data(conn, b"Subject: x\r\n\r\nno MAIL FROM was given\r\n")
    assert refused.value.smtp_code == 503


MESSAGE = b"Subject: staged\r\n\r\nbody\r\n.a line that starts with a period\r\n"


def envelope(config, body: bytes = MESSAGE) -> Envelope:
    return Envelope("<m@example.org>", "r", config.smtp.sender, "r@example.org", body)


def test_ready_is_asked_once_with_the_data_sent_and_the_message_not_yet_accepted(tmp_path, smtp_server):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)
    asked: list[int] = []

    def ready() -> bool:
        asked.append(len(smtp_server.messages))  # what the server had accepted by then
        return True

    with SmtpSender(config.smtp) as sender:
        result = sender.send(envelope(config), ready=ready)
    assert result.ok, result.reply
    assert asked == [0]
    assert [m.data for m in smtp_server.messages] == [MESSAGE]


def test_a_message_withdrawn_by_ready_is_not_delivered_and_the_sender_goes_on(tmp_path, smtp_server):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)
    with SmtpSender(config.smtp) as sender:
        withdrawn = sender.send(envelope(config), ready=lambda: False)
        assert withdrawn is WITHDRAWN and not withdrawn.ok
        assert smtp_server.messages == []  # the connection closed before the data's end
        later = sender.send(envelope(config, b"Subject: next\r\n\r\nthe next one\r\n"))
    assert later.ok, later.reply
    assert [m.data for m in smtp_server.messages] == [b"Subject: next\r\n\r\nthe next one\r\n"]


def test_an_error_in_ready_is_raised_and_nothing_is_delivered(tmp_path, smtp_server):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)

    def ready() -> bool:
        raise OSError("disk full")  # an OSError too: not taken for the server's

    with SmtpSender(config.smtp) as sender:
        with pytest.raises(OSError, match="disk full"):
            sender.send(envelope(config), ready=ready)
        assert smtp_server.messages == []
        assert sender.send(envelope(config)).ok
    assert len(smtp_server.messages) == 1


def test_ready_is_not_asked_when_the_server_refuses_the_recipient(tmp_path):
    class NoSuchMailbox:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
            return "550 5.1.1 no such mailbox"

    asked: list[bool] = []
    with LocalSmtpServer(NoSuchMailbox()) as server:
        config = load_config(Workspace(tmp_path, server.port).config_path)
        with SmtpSender(config.smtp) as sender:
            result = sender.send(envelope(config), ready=lambda: asked.append(True) or True)
    assert result.permanent and result.reply.startswith("550")
    assert asked == []


def test_a_server_that_never_answers_the_login_is_not_said_to_be_unreachable(
    tmp_path, auth_server, monkeypatch
):
    # said before: "cannot connect to the SMTP server ...; check smtp.host, smtp.port and
    # smtp.security", of a server that took the connection and the greeting, then fell silent
    from aiosmtpd.smtp import AuthResult

    port = auth_server(
        auth_require_tls=False,
        authenticator=lambda *args: AuthResult(success=False, handled=True),  # answers nothing
    )
    with pytest.raises(DeliveryError) as info:
        sender_for(tmp_path, port, monkeypatch).connect()
    message = str(info.value)
    assert not isinstance(info.value, LoginRefused)  # not refused: tried again later
    assert message == (  # nothing refused the login: no setting to check (tests/cli/test_login_cut_said)
        f"the SMTP server 127.0.0.1:{port} (no TLS) "
        "greeted us, then timed out at the login as 'digest'; "
        "tried again later"
    ), message


def test_a_server_that_offers_no_login_says_what_to_check(tmp_path, auth_server, monkeypatch):
    # aiosmtpd offers AUTH only over TLS by default, as many servers do
    port = auth_server()
    with pytest.raises(DeliveryError) as info:
        sender_for(tmp_path, port, monkeypatch).connect()
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{port} (no TLS) "
        "offers no login (AUTH) to log in as 'digest': it offers "
        "no STARTTLS either: use a server (or port) that offers a login, or leave out smtp.username for a "
        "server that takes mail without a login"
    )  # its STARTTLS or not: tests/cli/test_no_login_said.py


def test_a_login_the_server_cannot_check_now_is_tried_again_not_refused(tmp_path, auth_server, monkeypatch):
    # a 454 (its password database out of reach) is said as a refused login: the daemon then
    # stopped delivering until it was restarted, for a fault that passes by itself
    from aiosmtpd.smtp import AuthResult

    port = auth_server(
        auth_require_tls=False,
        authenticator=lambda *args: AuthResult(
            success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
        ),
    )
    with pytest.raises(DeliveryError) as info:
        sender_for(tmp_path, port, monkeypatch).connect()
    assert not isinstance(info.value, LoginRefused), info.value  # tried again later
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{port} (no TLS) "
        "took the connection but could not check the login as "
        "'digest' now: 454 4.7.0 Temporary authentication failure; tried again later"
    )


def test_a_login_refused_for_good_is_refused(tmp_path, monkeypatch):
    with refusing_logins() as port, pytest.raises(LoginRefused, match="535"):
        sender_for(tmp_path, port, monkeypatch).connect()


def test_a_server_without_starttls_says_to_set_security_none(tmp_path, smtp_server):
    # config.example.yaml has security: starttls; a local server (aiosmtpd) offers no TLS, and the
    # message was smtplib's "STARTTLS extension not supported by server." and the three keys to check
    ws = Workspace(tmp_path, smtp_server.port)
    ws.config_path.write_text(ws.config_path.read_text() + "  security: starttls\n")
    sender = SmtpSender(load_config(ws.config_path).smtp)
    with pytest.raises(DeliveryError) as info:
        sender.connect()
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{smtp_server.port} offers no STARTTLS (smtp.security: starttls): "
        "for a server without TLS (one on this machine, or a relay on a trusted network), set "
        "smtp.security: none; else check smtp.host and smtp.port"
    )
