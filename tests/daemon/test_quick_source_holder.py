"""A worker at its fetch on PostgreSQL whose sources all have a short timeout and no retries (a
source ``timeout: 0.2``, ``retries: 0``: fetching.quiet_time 0.8 s) was called stopped or hung by
the workers waiting for it while its speaking thread (digest.daemon.speaking) spoke every 2 s: a
holder that speaks was judged by the shorter of its fetch's quiet time and FROZEN_AFTER, and
between two of its words it is silent up to SPEAK_EVERY. A holder that speaks is now judged by
that quiet time, two words' time at the least, FROZEN_AFTER at most (speaking.judged_by). Real
parts: a real `digest fetch` whose inbox is a real exFAT mount (FUSE) that stops answering a while
(its exfat-fuse process stopped: a slow disk; the fetch is silent of its own meanwhile, its thread
speaking), a real `digest send` waiting for it, a loopback source, aiosmtpd."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from helpers.disks import exfat_disk, fuse_pid
from helpers.fetch_holders import cy_due_as_workers_fetch, fetch_holding_the_lock

from digest.demo.http_server import LocalHttpServer

pytestmark = pytest.mark.backends

SLOW_DISK = 22.0  # s the inbox's filesystem does not answer: past claims.SAY_AFTER, under INGEST_QUIET


def test_send_waiting_for_a_holder_of_quick_sources_says_it_is_at_work(mail_workspace, smtp_server, tmp_path):
    ws = mail_workspace
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, lambda fixture: fixture)
    quick = "    timeout: 0.2\n    retries: 0\n"  # quiet_time: 4 x 0.2 s, shorter than SPEAK_EVERY
    with exfat_disk(tmp_path) as disk, LocalHttpServer(routes) as server:
        ws.config_path.write_text(ws.config_path.read_text().replace("inbox: inbox", f"inbox: {disk}"))
        configure(ws, server, HF + quick, RSS + quick)
        elsewhere = ws.root / "elsewhere.yaml"  # the sending worker's: its inbox on its own disk
        elsewhere.write_text(ws.config_path.read_text().replace(f"inbox: {disk}", "inbox: inbox"))
        fuse = fuse_pid(disk)
        os.kill(fuse, signal.SIGSTOP)  # the fetch's inbox write waits for it: silent, alive
        slow = threading.Timer(SLOW_DISK, os.kill, (fuse, signal.SIGCONT))
        slow.start()
        try:
            with fetch_holding_the_lock(ws) as fetching:
                digest = [sys.executable, "-m", "digest", "--config", str(elsewhere)]
                sent = subprocess.run(
                    [*digest, "send", "--user", "cy"], capture_output=True, text=True, timeout=120
                )
                out, _ = fetching.communicate(timeout=60)
        finally:
            slow.cancel()
            os.kill(fuse, signal.SIGCONT)
    assert fetching.returncode == 0 and "hf_daily: 3 papers" in out, out
    said = " ".join(sent.stderr.split())
    assert "and is at work (its session spoke to the database " in said, sent.stderr
    assert "pg_terminate_backend" not in said, sent.stderr  # was: stopped or hung, end it
    assert sent.returncode == 0 and "3 papers  sent" in sent.stdout, sent.stdout + sent.stderr
