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
