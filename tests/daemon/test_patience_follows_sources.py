"""A daemon's pass on PostgreSQL that waits for another worker's fetch waited tick.PATIENCE (2
minutes) at most, however long the sources due may take while they retry (each try a timeout
long, with doubling waits between: hf_daily's defaults, 4 tries of 30 s and 14 s of waits, 134
s): it gave up on a fetch still retrying, as it should, and made a reader's digest at once without
what it brought. It now waits as long as those sources' fetch may take (fetching.patience_for),
the patience at the least. Real parts: a real `digest run --once` fetching from a loopback server
that answers 503 twice, the pass on the same database with the patience shortened to 2 s (a
source's: 3 tries of 1 s and 6 s of waits, 9 s), aiosmtpd."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess

import pytest
from helpers.fetch_holders import at_its_fetch, cy_due_as_workers_fetch
from helpers.sends_that_fetch import FROM_FEED, FROM_HF, digest, text_of

from digest.daemon import tick
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends


def test_a_pass_waits_for_another_workers_fetch_as_long_as_its_retries_may_take(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    ws = mail_workspace
    busy = Route(b"busy", status=503)
    tried_again = lambda fixture: [busy, busy, fixture]  # noqa: E731 - tried again in 2 s, then 4 s
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, tried_again)
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF + "    timeout: 1\n    retries: 2\n", RSS)
        fed = digest(ws, "fetch", "--source", "arxiv-cs.LG")  # one paper for cy stored: hf_daily due
        assert fed.returncode == 0, fed.stdout + fed.stderr
        other = at_its_fetch(ws, subprocess.PIPE)  # the other worker at its fetch
        try:
            monkeypatch.setattr(tick, "PATIENCE", 2.0)  # a pass's two minutes, shorter than the fetch
            daemon = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC), lambda c: SmtpSender(c.smtp))
            with caplog.at_level(logging.INFO, logger="digest"):
                daemon.run_once()
        finally:
            out = other.communicate(timeout=60)[0]
    assert other.returncode == 0 and "fetched hf_daily: " in out, out
    assert not [r for r in caplog.records if "not waited for longer" in r.getMessage()], caplog.text
    (received,) = smtp_server.messages  # was: the feed's paper alone, the period done
    assert FROM_HF in text_of(received) and FROM_FEED in text_of(received), text_of(received)
