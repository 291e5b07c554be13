"""A message another worker deferred between a pass's look for what is due (Outbox.due_ids) and
its claim (Outbox.claim): the claim took it, as it took any queued message no other worker held,
and the pass tried it at once, before the retry time the server's 451 had just set. On PostgreSQL
the claim judges the message due again now, on the database server's clock (as due_ids does). The
send's row of it then says when it is retried, as the other worker's deferral left it ("deferred until
<time>: 451 ..."), not "waiting (`digest send` retries it)", which the send had just not done."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from test_failures_every_machine import two_machines

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.held_said import retry_said
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import postgres_database

# `digest send ARGS...` that pauses after its look for the due messages, before it claims them:
# it writes "paused" in the file argv[2] and goes on once the file says "go"
PAUSED_SEND = """
import pathlib, sys, time
import digest.cli
from digest.deliver.claims import OutboxClaims
claiming, flag = OutboxClaims.claiming, pathlib.Path(sys.argv[2])
def paused(self, *args, **kwargs):
    flag.write_text("paused")
    while flag.read_text() != "go":
        time.sleep(0.05)
    yield from claiming(self, *args, **kwargs)
OutboxClaims.claiming = paused
digest.cli.main(["--config", sys.argv[1], "send", *sys.argv[3:]])
"""


class DefersTwice(Mailbox):
    """A real SMTP server that defers the first two messages (451) and takes the later ones;
    ``tries``: when each came."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: list[dt.datetime] = []

    async def handle_DATA(self, server, session, envelope):
        self.tries.append(wall_clock())
        if len(self.tries) <= 2:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def until(condition, within: float, what: str) -> None:
    end = time.monotonic() + within
    while not condition():
        assert time.monotonic() < end, f"no {what} within {within} s"
        time.sleep(0.05)


def send_paused_while(ws, flag: Path, meanwhile: Callable[[], None]) -> str:
    """`digest send --user ada` on ``ws`` (PAUSED_SEND, its ``flag`` file) paused after its look for
    the due messages; ``meanwhile`` runs then (another worker's pass), and the send goes on: its
    output (stdout and stderr)."""
    flag.write_text("")
    command = [sys.executable, "-c", PAUSED_SEND, str(ws.config_path), str(flag), "--user", "ada"]
    sending = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until(lambda: flag.read_text() == "paused" or sending.poll() is not None, 60, "pause")
        assert sending.poll() is None, sending.communicate()[0]
        meanwhile()
        flag.write_text("go")
        return sending.communicate(timeout=60)[0]
    finally:
        if sending.poll() is None:
            sending.kill()
            sending.wait()


def one_day_ahead(within: dt.timedelta) -> None:
    """Waits, if UTC midnight (ada's: her profile names no zone) comes ``within`` from now, until
    it is past: the passes and the send below are of one day of hers, as the test means them. A run
    that crossed it (the pass at 23:59:55, the send at 00:00:02) had the send speak of the new day:
    "ada  ada@example.org  0 papers  nothing new", not of the digest waiting."""
    now = wall_clock()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    if midnight - now < within:
        time.sleep((midnight - now).total_seconds() + 1)


def test_a_message_deferred_by_another_worker_after_the_look_is_not_tried_before_its_retry_time(
    tmp_path, monkeypatch
):
    """app2's worker's pass made ada's digest (deferred); a `digest send --user ada` on db1 makes
    it due now and finds it due, and while it pauses before its claim app2's next pass tries it
    and the server defers it again (its retry 1.6-2 min on). The send left it to its retry time;
    it took it and sent it at once: ada had her digest a second after the server said later."""
    one_day_ahead(dt.timedelta(minutes=2))  # the whole test, ~5 s here, in one day with room to spare
    mailbox = DefersTwice()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))  # its `digest send`: a user's one config
        for config in (ws.config_path, app2.config_path):
            config.write_text(config.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        Daemon(app2.config, wall_clock).run_once()  # ada's digest made, deferred (451)

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's next pass: ada's digest deferred again
            assert len(mailbox.tries) == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        assert mailbox.messages == [], said  # was: ada's, tried a second after the server's 451
        (queued,) = collect_status(ws.config, wall_clock()).queued
        assert queued.attempts == 2 and queued.next_attempt_at > wall_clock() + dt.timedelta(seconds=60)
        # its row says when it is retried, as app2's deferral left it; was (before that, "1 paper  sent"):
        # "waiting (`digest send` retries it)", right after a `digest send` that did not
        (row,) = [line for line in said.splitlines() if line.startswith("ada ")]
        retried = retry_said(queued.next_attempt_at)
        assert row.endswith(f"; deferred until {retried}: 451 4.3.0 try again later"), said
        assert "retries it" not in said, said
