"""`digest send --dry-run` just after UTC midnight, for a reader whose digest of the evening before
waits for its retry (the mail server deferred it, 451): the dry run says that digest, in a row of
its own, as the send it previews says it ("earlier digest: ..."), and the new day's row says nothing
new besides it. Before, the dry run said only "ada  ada@example.org  0 papers  nothing new": the
digest waiting, which the send retries, was not named.

Real parts: real `digest send` processes with the clock at 23:50 UTC and just after the next
midnight (libfaketime), aiosmtpd on loopback deferring every message, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers.earlier_digest import ada_with_chips, rows_of_ada
from helpers.faked import digest_at, needs_faketime

from digest.demo.smtp_server import LocalSmtpServer, Mailbox

pytestmark = [pytest.mark.backends, needs_faketime]

EVENING = dt.datetime(2026, 3, 14, 23, 50)  # ada's profile names no zone: her day is UTC's
AFTER_MIDNIGHT = dt.datetime(2026, 3, 15, 0, 5)


class Defers(Mailbox):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "451 4.3.0 try later"


def test_a_dry_run_after_midnight_names_the_evening_s_digest_waiting_for_its_retry(tmp_path, database):
    with LocalSmtpServer(Defers()) as server:
        ws = ada_with_chips(tmp_path, server.port, database)
        digest_at(ws, "send", "--user", "ada", at=EVENING, code=1)  # deferred: waits for its retry
        dry = rows_of_ada(digest_at(ws, "send", "--user", "ada", "--dry-run", at=AFTER_MIDNIGHT))
        sent = rows_of_ada(digest_at(ws, "send", "--user", "ada", at=AFTER_MIDNIGHT, code=1))
    assert dry == [  # was: ["0 papers nothing new"]
        "1 paper earlier digest: queued on Sat 2026-03-14 at 23:50 UTC; waiting (`digest send` retries it)",
        "0 papers nothing new besides the earlier digest above",
    ], dry
    assert len(sent) == 2 and sent[0].startswith("1 paper earlier digest: deferred until "), sent
    assert sent[1] == "0 papers nothing new besides the earlier digest above", sent
