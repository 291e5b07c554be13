"""A daemon's pass on PostgreSQL that finds another worker fetching (its "fetch" advisory lock
held) as a reader's send time comes: it skipped the fetch and made that reader's digest at once,
without what the fetch brought, and marked the period done. It now waits for that fetch, a while
(tick.PATIENCE), seen meanwhile, then fetches what is still due. Real parts: the sources on
a loopback HTTP server, a real `digest run --once`, another connection holding the lock, aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest
from daemon_processes import another_worker_at, workers_share
from helpers.sends_that_fetch import CY, FROM_FEED, FROM_HF, digest, fetch_the_sources, text_of

from digest.demo.http_server import LocalHttpServer

pytestmark = pytest.mark.backends


def test_a_pass_at_a_send_time_while_another_worker_fetches_waits_for_that_fetch(mail_workspace, smtp_server):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws = mail_workspace
    workers_share(ws)
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF, RSS)
        due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)  # cy's send time: just come
        ws.profile("cy", CY + f'send_at: "{due:%H:%M}"\n')
        fed = digest(ws, "fetch", "--source", "arxiv-cs.LG")  # one paper for cy stored: hf_daily due
        assert fed.returncode == 0, fed.stdout + fed.stderr
        with another_worker_at(ws.config.database, "fetch", seconds=3):  # the other worker's fetch
            ran = digest(ws, "run", "--once")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "fetched hf_daily: " in ran.stdout, ran.stdout + ran.stderr
    assert "digest for cy (" in ran.stdout and "3 papers queued" in ran.stdout, ran.stdout
    (received,) = smtp_server.messages  # was: the feed's paper alone, the period done
    assert FROM_HF in text_of(received) and FROM_FEED in text_of(received), text_of(received)
