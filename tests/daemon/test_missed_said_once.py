"""A send time missed (passed its grace unserved, papers waiting: digest.daemon.missed) is said
once, by the first pass to end that found it, whichever process runs it: `digest run --once` from cron
every 5 minutes is a new process at every pass, and it said the same readers again at every pass
until their next send time (and ranked each again to count what waits for them). The passes after
say nothing of them; `digest status` keeps naming them until their next send time (a state, not
news). The record is the database's (digest.store_missed), so a daemon restarted, or another
worker on PostgreSQL, does not say it again either. Real passes (run_once, each with nothing
kept in memory, as a new process) under a chosen clock, a real store (SQLite and PostgreSQL),
aiosmtpd."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from helpers.missed_history import at, reader, sunday_served_monday_waiting
from helpers.ticks import tick

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status, format_status
from digest.deliver.transports import SmtpSender

pytestmark = pytest.mark.backends


def test_a_missed_send_time_is_said_by_one_pass_and_status_keeps_naming_it(mail_workspace, smtp_server):
    ws = mail_workspace
    for user in ("ada", "bob"):
        ws.profile(user, reader(user))
    sunday_served_monday_waiting(ws)
    assert len(smtp_server.messages) == 2
    # nothing ran over Monday's midnight: passes every 5 minutes from 04:56, past the grace
    passes = [tick(ws, at(7, 4, 56) + dt.timedelta(minutes=5 * i)) for i in range(3)]
    assert passes[0].missed == (("ada", at(7, 0), "UTC"), ("bob", at(7, 0), "UTC"))
    assert "2 readers' digests not sent within the 240-minute grace" in passes[0].idle()
    assert [p.missed for p in passes[1:]] == [(), ()]
    assert "not sent within" not in passes[2].idle(), passes[2].idle()
    status = format_status(collect_status(ws.config, at(7, 5, 7)))
    for user in ("ada", "bob"):
        line = next(x for x in status.splitlines() if x.startswith(f"{user} "))
        assert "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)" in line, line


def test_the_next_send_time_missed_is_said_again(mail_workspace, smtp_server):
    """Once per send time, not once per reader: Tuesday's, missed too, is said at its first pass."""
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    assert tick(ws, at(7, 4, 56)).missed == (("ada", at(7, 0), "UTC"),)
    assert tick(ws, at(7, 5, 1)).missed == ()
    assert tick(ws, at(8, 4, 56)).missed == (("ada", at(8, 0), "UTC"),)
    assert tick(ws, at(8, 5, 1)).missed == ()


def test_a_daemon_restarted_does_not_say_it_again(mail_workspace, smtp_server, caplog):
    """The daemon remembered what it said in its memory only: restarted (or another worker), it
    said the same send time again in its log."""
    caplog.set_level(logging.INFO, logger="digest")
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    now = [at(7, 4, 56)]
    for _ in range(2):  # started, a pass, stopped; started again five minutes on
        Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp)).tick()
        now[0] += dt.timedelta(minutes=5)
    said = [r.getMessage() for r in caplog.records if "not sent within" in r.getMessage()]
    assert said == [
        "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace: what waits for them"
        " goes in their next, `digest send --user ada` sends it now"
    ]
