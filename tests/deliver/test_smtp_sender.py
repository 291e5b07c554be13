"""The SMTP sender against a real aiosmtpd server on loopback: the bytes arrive as they were."""

from __future__ import annotations

import smtplib

import pytest

from digest.config import load_config
from digest.deliver.transports import Envelope, SmtpSender, data
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

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


class Watching:
    """aiosmtpd handler: notes each command as it arrives ("MAIL", "RCPT", "DATA" at the end of the data)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: ANN001 - aiosmtpd's hook
        self.seen.append("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        self.seen.append("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        self.seen.append("DATA")
        return "250 queued"


def mail(n: int, config) -> Envelope:  # noqa: ANN001
    body = f"Subject: {n}\r\n\r\nmessage {n}\r\n".encode()
    return Envelope(f"<m{n}@example.org>", "r", config.smtp.sender, "r@example.org", body)


def test_meanwhile_runs_once_after_mail_from_is_sent_and_before_any_of_the_data(tmp_path):
    handler = Watching()
    with LocalSmtpServer(handler) as server:
        config = load_config(Workspace(tmp_path, server.port).config_path)
        calls: list[int] = []

        def meanwhile() -> bool:
            calls.append(len([s for s in handler.seen if s == "DATA"]))
            return True

        with SmtpSender(config.smtp) as sender:
            first = sender.send(mail(1, config), meanwhile)
            second = sender.send(mail(2, config), meanwhile)
    assert first is not None and first.ok and second is not None and second.ok
    assert calls == [0, 1]  # each time before its own data: message 1's had arrived before message 2's turn
    assert handler.seen == ["MAIL", "RCPT", "DATA", "MAIL", "RCPT", "DATA"]


def test_when_meanwhile_says_no_nothing_is_sent_and_the_connection_goes_on(tmp_path, smtp_server):
    config = load_config(Workspace(tmp_path, smtp_server.port).config_path)
    with SmtpSender(config.smtp) as sender:
        assert sender.send(mail(1, config), lambda: False) is None
        result = sender.send(mail(2, config), lambda: True)
        assert result is not None and result.ok
        assert sender.conn is not None  # the same connection, reset after the first message
    assert [m.data for m in smtp_server.messages] == [mail(2, config).data]


def test_meanwhile_runs_even_when_no_connection_can_be_made(tmp_path):
    from digest.demo.smtp_server import free_port

    config = load_config(Workspace(tmp_path, free_port()).config_path)
    calls: list[str] = []
    result = SmtpSender(config.smtp).send(mail(1, config), lambda: calls.append("called") or True)
    assert calls == ["called"]
    assert result is not None and not result.ok and result.unreachable
