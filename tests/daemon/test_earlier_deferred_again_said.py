"""`digest send --user ada` in a new day, ada's digest of the day before waiting for its retry (the
server deferred it, 451), on PostgreSQL: another worker's pass retries that digest, and the server
defers it again, between the send's look and its claim. The send leaves it to its new retry time
(tests/daemon/test_deferred_meanwhile.py), and its row of that earlier digest says when it is retried,
as the other worker's deferral left it ("earlier digest: queued ...; deferred until <time> UTC: 451
..."), as the period's row says it of the day's digest: not "waiting (`digest send` retries it)",
which the send had just not done.

Real parts: two config folders on one PostgreSQL database (a daemon's worker and a user's `digest send`
process, paused before its claim), aiosmtpd on loopback deferring every message, libfaketime for the
first send, the evening before."""

from __future__ import annotations

import datetime as dt

from helpers.faked import digest_at, needs_faketime
from test_deferred_meanwhile import one_day_ahead, send_paused_while
from test_failures_every_machine import machine

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.held_said import retry_said
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace, make_dump, postgres_database


class Defers(Mailbox):
    """A real SMTP server that defers every message (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        return "451 4.3.0 try again later"


@needs_faketime
def test_an_earlier_digest_deferred_again_meanwhile_is_said_with_its_retry_time(tmp_path, monkeypatch):
    one_day_ahead(dt.timedelta(minutes=2))  # the pass and the send below in one day of ada's (UTC's)
    mailbox = Defers()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        (tmp_path / "db1").mkdir()
        ws = Workspace(tmp_path / "db1", server.port, database=url)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        app2 = machine(ws, tmp_path / "app2")
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")  # no zone: UTC's day
        ws.dump("day.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        today = dt.datetime.combine(wall_clock().date(), dt.time())
        digest_at(ws, "send", "--user", "ada", at=today - dt.timedelta(minutes=10), code=1)  # deferred
        assert mailbox.tries == 1

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's pass: the earlier digest deferred again
            assert mailbox.tries == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        (queued,) = collect_status(ws.config, wall_clock()).queued
    assert mailbox.tries == 2, said  # left to its retry time
    assert queued.attempts == 2, said
    (earlier,) = [line for line in said.splitlines() if line.startswith("ada ") and "earlier digest:" in line]
    retried = retry_said(queued.next_attempt_at)
    # was: "... earlier digest: queued yesterday at 23:50 UTC; waiting (`digest send` retries it)"
    assert earlier.endswith(f"; deferred until {retried}: 451 4.3.0 try again later"), said
    assert "retries it" not in said, said
