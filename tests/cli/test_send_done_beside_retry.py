"""A reader whose period's digest was sent before this `digest send` (by an earlier send or the
daemon), and who has an earlier day's digest waiting for its retry, which this send retries: the
table says both, the earlier digest's row ("earlier digest: deferred until ...") and the period's
("already sent today at 07:02 UTC"), as it says them when the period was taken meanwhile
(tests/cli/test_send_meanwhile_beside_retry.py). Before, the retry's row was all ("1 paper
deferred until ...", read as today's digest deferred): the period's row was left out, as the reader
had an outcome, and nothing said that today's digest had gone.

Real parts: real `digest send` processes with the clock on two days (libfaketime), aiosmtpd on
loopback deferring the first day's digest (it holds the first day's paper) and taking the second's,
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers.earlier_digest import ada_with_chips, rows_of_ada
from helpers.earlier_waiting import DAY1, DAY2
from helpers.faked import digest_at, needs_faketime

from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import make_dump

pytestmark = [pytest.mark.backends, needs_faketime]


class DefersChips(Mailbox):
    """Defers a message that holds the first day's paper; takes any other."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if b"Neuromorphic Chips" in bytes(envelope.content):
            return "451 4.3.0 try later"
        return await super().handle_DATA(server, session, envelope)


def test_a_period_sent_before_is_said_beside_the_earlier_digest_retried(tmp_path, database):
    with LocalSmtpServer(DefersChips()) as server:
        ws = ada_with_chips(tmp_path, server.port, database)
        digest_at(ws, "send", at=DAY1, code=1)  # the first day's digest: deferred, waits for its retry
        ws.dump("day2.txt", make_dump("Mar 14", [("Neuromorphic Memory", "About neuromorphic memory.")]))
        earlier, new = rows_of_ada(digest_at(ws, "send", at=DAY2, code=1))
        assert earlier.startswith("1 paper earlier digest: deferred until "), earlier
        assert new == "1 paper sent", new

        rows = rows_of_ada(digest_at(ws, "send", at=DAY2 + dt.timedelta(minutes=5), code=1))
    assert len(rows) == 2, rows
    assert rows[0].startswith("1 paper earlier digest: deferred until "), rows
    assert rows[1] == "already sent today at 07:02 UTC", rows
