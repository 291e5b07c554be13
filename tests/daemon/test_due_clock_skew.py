"""A message's due time (outbox.next_attempt_at) written by a worker whose clock is ahead of the
database server's: it was a time of that worker's own clock, so the other workers found a digest
it queued, or deferred, due only when their clocks reached it (5 min later), and a reader whose
digest it left (killed, or a `run --once` timer's pass that ended) got it that much late. It is
a time of the database server's clock now, as the leases are (test_clock_skew)."""

from __future__ import annotations

import signal
import subprocess
import sys

from helpers.clock_ahead import AHEAD, KillingMailbox
from helpers.failing_template import two_machines
from helpers.leases import times_past

from digest.daemon.service import Daemon
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer

from conftest import postgres_database


def ahead_then_in_step(tmp_path, mailbox: KillingMailbox, kill: bool) -> list[list[str]]:
    """db1's worker, 5 min ahead, makes ada's digest (``kill``: SIGKILLed as the server takes it;
    else the server defers it, 451, and its pass ends); a lease on, app2's worker's pass, in step.
    The recipients of what the server took."""
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        for config in (ws.config_path, app2.config_path):
            delivery = "delivery:\n  lease_seconds: 2\n  retry_first_seconds: 1\n"
            config.write_text(config.read_text() + delivery)
        mailbox.deferred = kill  # (killed: its first message not deferred)
        ahead = subprocess.Popen([sys.executable, "-c", AHEAD, str(ws.config_path), "300"])
        mailbox.pid = ahead.pid if kill else 0
        assert ahead.wait(timeout=60) == (-signal.SIGKILL if kill else 0)
        assert mailbox.messages == []
        times_past(url, "SELECT claimed_until, next_attempt_at FROM outbox")  # a lease on, the retry due
        Daemon(app2.config, wall_clock).run_once()
        return [m.rcpt_tos for m in mailbox.messages]


def test_a_digest_a_killed_worker_ahead_queued_goes_from_another_after_a_lease(tmp_path):
    assert ahead_then_in_step(tmp_path, KillingMailbox(), kill=True) == [["ada@example.org"]]  # was: []


def test_a_digest_a_worker_ahead_deferred_is_retried_by_another_at_its_time(tmp_path):
    assert ahead_then_in_step(tmp_path, KillingMailbox(), kill=False) == [["ada@example.org"]]  # was: []
