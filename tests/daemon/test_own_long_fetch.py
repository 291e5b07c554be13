"""A daemon's pass whose own fetch took a while as a reader's send time came left that reader to
the next pass: only its waits for another worker moved its time on (tick.run_once), so a pass begun
at 06:59:58 that fetched a slow source for 4 s found cy (send_at 07:00) not due, and cy's digest
came a poll later (a minute by default; with `grace_minutes: 0`, after the grace: none that day).
The pass now reads its clock again after its fetch (and after its inbox), as it moves on after a
wait. Real parts: the source on a loopback HTTP server answering in 4 s, a daemon's pass on a clock
going on in real time, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from helpers.sends_that_fetch import CY, FROM_HF, fetch_the_sources, text_of

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends


def test_a_send_time_that_comes_during_a_passs_own_fetch_is_served_by_it(mail_workspace, smtp_server):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    routes = hf_and_feed()
    routes["/api/daily_papers"] = Route(routes["/api/daily_papers"].body, delay=4)  # a slow source
    today = dt.datetime.now(dt.UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF)
        ws.profile("cy", CY + 'send_at: "07:00"\n')
        began = time.monotonic()  # the pass starts at 06:59:58, its clock going on as it fetches
        clock = lambda: today - dt.timedelta(seconds=2) + dt.timedelta(seconds=time.monotonic() - began)  # noqa: E731
        daemon = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
        report = daemon.run_once()
    assert [f.source for f in report.fetched] == ["hf_daily"] and time.monotonic() - began >= 4
    assert [s.user for s in report.scheduled] == ["cy"]  # was: none, cy left to the next pass
    (received,) = smtp_server.messages
    assert FROM_HF in text_of(received), text_of(received)
