"""A daemon's pass on PostgreSQL that waited its patience for another worker's ingest of a big dump
(its "ingest" lock held) gave up saying 'If that worker is stopped or hung, end it, or its session:
SELECT pg_terminate_backend(N)' of a worker at work: the "ingest" lock's holder was judged by time
alone. The holder now speaks while it holds the lock (digest.daemon.speaking), and a pass past its
patience says it is at work, and not to be ended, while it speaks. Real parts: a real `digest
ingest` of a dump of many papers, a daemon's pass on the same database, aiosmtpd."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import time

import pytest
from daemon_processes import workers_share

from digest.daemon import tick
from digest.daemon.holders import holders
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.store import Store

from conftest import a_minute_ago, make_dump

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [neuromorphic]\n"
DUMPS = 4  # of 5,000 papers each: seconds of ingest, the pass's patience (1 s) passing meanwhile


def test_a_pass_past_its_patience_says_a_worker_ingesting_a_big_dump_is_at_work(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    ws = mail_workspace
    workers_share(ws)
    now = dt.datetime.now(dt.UTC)
    ws.profile("ada", ADA + f'send_at: "{now - dt.timedelta(minutes=1):%H:%M}"\n')
    for d in range(DUMPS):  # 5,000 papers a dump at most
        papers = [
            (f"Neuromorphic Study {d}-{i} of Unit {i % 97}", f"Spikes and {i % 13} layers.")
            for i in range(5000)
        ]
        ws.dump(
            f"big{d}.txt",
            make_dump(f"{now - dt.timedelta(days=DUMPS - d):%b %d}", papers),
            mtime=a_minute_ago(),
        )
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "ingest"]
    ingesting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        began = time.monotonic()
        with Store(ws.config.database) as store:
            while not holders(store, ("ingest",)):
                assert ingesting.poll() is None and time.monotonic() - began < 60, "it never took the lock"
                time.sleep(0.02)
        monkeypatch.setattr(tick, "PATIENCE", 1.0)
        daemon = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC), lambda c: SmtpSender(c.smtp))
        with caplog.at_level(logging.INFO, logger="digest"):
            daemon.run_once()
        still = ingesting.poll() is None  # at work when the pass gave it up
        out, _ = ingesting.communicate(timeout=300)
        took = time.monotonic() - began
    finally:
        if ingesting.poll() is None:
            ingesting.kill()
            ingesting.wait()
    assert ingesting.returncode == 0, out
    assert still, (took, out)
    (said,) = [r.getMessage() for r in caplog.records if "lock for at least" in r.getMessage()]
    assert "and is at work (its session spoke to the database " in said, said
    assert "pg_terminate_backend" not in said, said  # was: if stopped or hung, end it
