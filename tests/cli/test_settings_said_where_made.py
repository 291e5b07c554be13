"""A digest waiting for its retry is said "not sent: the mail server does not take our smtp
settings" only when our own words say so, where they make it: at the head of the error, after
the server's name ("the SMTP server host:port offers no STARTTLS", "authentication failed at the
SMTP server ...", "cannot connect to the SMTP server ... (starttls): the server's certificate is
not trusted"). A server's own reply that quotes such a phrase (a 451 at DATA "authentication failed
at the SMTP server backend, try later", a busy greeting "421 ... offers no STARTTLS right now") is
what it is: a deferral. Before, the phrase was looked for anywhere in the reply, so such a 451
read "not sent: the mail server does not take our smtp settings". Real aiosmtpd, a real raw
socket server, real `digest send`."""

from __future__ import annotations

from typing import Any

from helpers.not_sent import greeting, ready, row_of_ada

from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace

QUOTING = "451 4.3.0 authentication failed at the SMTP server backend, try later"


class QuotesAPhrase(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return QUOTING


def test_a_451_whose_text_quotes_a_settings_phrase_is_a_deferral(tmp_path):
    with LocalSmtpServer(QuotesAPhrase()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        row = row_of_ada(ws.cli("send"))
    assert "deferred until 20" in row and row.endswith(QUOTING), row
    assert "does not take our smtp settings" not in row, row


def test_a_busy_greeting_that_quotes_a_settings_phrase_is_a_deferral(tmp_path):
    with greeting("421 4.3.2 the SMTP server mx1 offers no STARTTLS right now, try later") as port:
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
    assert "deferred until 20" in row and "421 4.3.2 the SMTP server mx1 offers no STARTTLS" in row, row
    assert "does not take our smtp settings" not in row, row
