"""A retry held for its reader's new address whose earlier try's data the server answered "221 bye"
(neither the 250 that accepts it nor a refusal: data_lost.unconfirmed) may have been taken, as after
an answer lost: the day's digest is not made again for the new address. The hold's reason says
what happened: "an earlier try's data was answered neither as accepted nor as refused, so the server
may have taken it: ...". Before, "an earlier try's answer was lost during DATA", though the server
had answered.

Real parts: a real daemon's passes at given times, aiosmtpd on loopback answering bob's first
message's data "221 2.0.0 bye", real profile files, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.greylisted_bob import BOB, bobs_daemon

from digest.deliver.outbox import FAILED, Outbox
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.files import write_atomic
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends


class ByeToTheFirst(Mailbox):
    """Keeps bob@example.org's first message and answers its data "221 2.0.0 bye"; then as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.said_bye = False

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if envelope.rcpt_tos == ["bob@example.org"] and not self.said_bye:
            self.said_bye = True
            return "221 2.0.0 bye"
        return reply


def test_a_retry_held_after_a_221_to_its_data_says_so_and_is_not_made_again(tmp_path, database):
    with LocalSmtpServer(ByeToTheFirst()) as server:
        ws = Workspace(tmp_path, server.port, database)
        path, at = bobs_daemon(ws)
        at(1)  # 07:31: bob's digest's data answered "221 bye": sent again later
        write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
        for minutes in (3, 4, 5, 10):  # the retry held; the day's digest not made again
            at(minutes)
        assert [m.rcpt_tos for m in server.handler.messages] == [["bob@example.org"]]
        with Store(ws.config.database) as store:
            (held,) = Outbox(store).entries(user="bob")
    assert held.status == FAILED, held
    assert "an earlier try's data was answered neither as accepted nor as refused, so the server may" in (
        held.last_error
    )
    assert "answer was lost" not in held.last_error, held.last_error
