"""A 5xx at RCPT is a refusal, never a deferral. One of the recipient's address ("550 5.1.1 no such
user") fails at once and suppresses the address: `digest send` says "FAILED: 550 5.1.1 ...", as
before. One the outbox takes as a refusal of us, not of the address ("550 5.7.1 relaying denied",
a bare "554 5.7.1 Rejected": deliver.results) waits for its retry, nobody suppressed: said "not
sent: the mail server refused our mail, not the address; waits until ...: 550 5.7.1 relaying
denied" by `digest send` (and the daemon's log), "not sent to ada (the mail server refused our
mail, not the address): 550 ..." by `run --once`. Before, both read "deferred until ..." and
"deferred ada: ...", as of a server that said "later". Real aiosmtpd on loopback, real SQLite."""

from __future__ import annotations

from typing import Any

from helpers.not_sent import greeting, ready, row_of_ada

from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import Workspace


class RefusesAtRcpt(Mailbox):
    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return self.reply


def test_a_refusal_of_us_at_rcpt_is_said_refused_and_waits(tmp_path):
    with LocalSmtpServer(RefusesAtRcpt("550 5.7.1 relaying denied")) as server:
        ws = ready(Workspace(tmp_path, server.port))
        row = row_of_ada(ws.cli("send"))
        assert "not sent: the mail server refused our mail, not the address; waits until 20" in row, row
        assert row.endswith(": 550 5.7.1 relaying denied") and "deferred" not in row, row
        with Store(ws.config.database) as store:  # its retry due now
            store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
            store.db.commit()
        ran = ws.cli("run", "--once")
    said = "not sent to ada (the mail server refused our mail, not the address): 550 5.7.1 relaying denied"
    assert said in ran.stdout and "deferred" not in ran.output, ran.output


def test_a_refusal_of_the_address_fails_and_is_never_said_waiting(tmp_path):
    with LocalSmtpServer(RefusesAtRcpt("550 5.1.1 no such user")) as server:
        ws = ready(Workspace(tmp_path, server.port))
        row = row_of_ada(ws.cli("send"))
    assert row.endswith("FAILED: 550 5.1.1 no such user"), row
    assert "suppressed (hard bounce)" in ws.cli("status").stdout


def test_a_server_that_refuses_us_at_its_greeting_is_said_refused_not_deferred(tmp_path):
    """A 554 greeting ("no SMTP service here") refuses the connection: the digest waits, as after a
    421 greeting, and is said refused. Before, "deferred until ...: cannot connect to ...: 554 ..."."""
    with greeting("554 5.7.1 no SMTP service here for you") as port:
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
    assert "not sent: the mail server refused our mail, not the address; waits until 20" in row, row
    assert "(no TLS) answered our connection with 554 5.7.1 no SMTP service here for you" in row, row
    assert "deferred" not in row, row
