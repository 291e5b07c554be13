"""A worker holding the "ingest" lock on PostgreSQL whose main thread hangs on its inbox (a FUSE or
network filesystem that stops answering: a hard NFS mount, here exFAT's FUSE daemon stopped by
SIGSTOP) while its speaking thread (digest.daemon.speaking) goes on was shown at work for ever: its
session spoke every 2 s. The thread now speaks while the duty itself said something to the database
within its longest silence at work (speaking.INGEST_QUIET for an ingest), so the hung worker is
named by `digest status` (holders.long_held, "Duties held up") once silent FROZEN_AFTER past it.
Real parts: a real `digest ingest` of four dumps of 5,000 papers on a real exFAT mount, PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from daemon_processes import workers_share
from helpers.disks import exfat_disk, fuse_pid

from digest.daemon import tick
from digest.daemon.holders import holders, long_held
from digest.daemon.speaking import FROZEN_AFTER
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends

WAIT = 60 + FROZEN_AFTER + 10  # an ingest silent at work at most (speaking.INGEST_QUIET), ten words missed


def test_a_worker_hung_on_its_inbox_is_named_though_its_thread_speaks(mail_workspace, tmp_path):
    ws = mail_workspace
    workers_share(ws)
    now = dt.datetime.now(dt.UTC)
    with exfat_disk(tmp_path) as disk:
        text = ws.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}")
        ws.config_path.write_text(text)
        for d in range(4):
            papers = [
                (f"Neuromorphic Study {d}-{i} of Unit {i % 97}", f"Spikes {i % 13}.") for i in range(5000)
            ]
            path = disk / f"big{d}.txt"
            path.write_text(make_dump(f"{now - dt.timedelta(days=4 - d):%b %d}", papers))
            old = (now - dt.timedelta(minutes=1)).timestamp()
            os.utime(path, (old, old))
        fuse = fuse_pid(disk)
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "ingest"]
        ingesting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        rescue = threading.Timer(WAIT + 60, os.kill, (fuse, signal.SIGCONT))
        try:
            with Store(ws.config.database) as store:
                while not holders(store, ("ingest",)):
                    assert ingesting.poll() is None
                    time.sleep(0.02)
            os.kill(fuse, signal.SIGSTOP)  # the inbox's filesystem stops answering
            rescue.start()  # the filesystem let go whatever hangs (status reads the inbox)
            time.sleep(WAIT)
            assert ingesting.poll() is None  # hung on its inbox
            with Store(ws.config.database) as store:
                (held,) = holders(store, ("ingest",))
                lines = long_held(store, dt.datetime.now(dt.UTC), tick.PATIENCE)  # status' "Duties held up"
            assert lines, held
        finally:
            rescue.cancel()
            os.kill(fuse, signal.SIGCONT)
            ingesting.kill()
            ingesting.wait()
