"""A case beside tests/cli/test_send_done_beside_retry.py: a reader's earlier day's digest and their
period's digest both wait for their retry, and a `digest send` retries both. Two rows: the earlier one's
("earlier digest: deferred until ..."), and the period's digest's own, saying what became of it now
("deferred until ..."). Before, a third row followed, the period's note as it was before this send tried
it ("already queued today at 07:02 UTC; waiting (`digest send` retries it)"): said twice, once stale.

Real parts: real `digest send` processes with the clock on two days (libfaketime), aiosmtpd on loopback,
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


class DefersAll(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "451 4.3.0 try later"


def test_the_periods_digest_retried_beside_the_earlier_one_is_said_once(tmp_path, database):
    with LocalSmtpServer(DefersAll()) as server:
        ws = ada_with_chips(tmp_path, server.port, database)
        digest_at(ws, "send", at=DAY1, code=1)
        ws.dump("day2.txt", make_dump("Mar 14", [("Neuromorphic Memory", "About neuromorphic memory.")]))
        digest_at(ws, "send", at=DAY2, code=1)  # the second day's digest deferred too
        rows = rows_of_ada(digest_at(ws, "send", at=DAY2 + dt.timedelta(minutes=5), code=1))
    assert len(rows) == 2, rows
    assert rows[0].startswith("1 paper earlier digest: deferred until "), rows
    assert rows[1].startswith("1 paper deferred until "), rows
