"""`digest send` on PostgreSQL waits, without a patience, for another worker's fetch of the sources
due (its digests must hold what that brings); a worker frozen at its fetch (SIGSTOP, a connection
left idle in a transaction) held it there for good, and send said nothing at all: no who, no what
to do, as a pass's warning now says. It now says once, after claims.SAY_AFTER seconds, who holds
the lock, that Ctrl-C gives the wait up, and, the holder silent longer than a worker at its fetch
is (fetching.quiet_time), that it is stopped or hung and pg_terminate_backend. Real parts: a session holding
the "fetch" lock and left idle, a real `digest send` interrupted by SIGINT, aiosmtpd."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psycopg
import pytest
from helpers.fetch_holders import cy_due_as_workers_fetch

from digest.db import lock_key
from digest.demo.http_server import LocalHttpServer

pytestmark = pytest.mark.backends


def test_send_waiting_for_a_frozen_holder_of_the_fetch_says_who_holds_it(mail_workspace, smtp_server):
    ws = mail_workspace
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, lambda fixture: fixture)
    with LocalHttpServer(routes) as server:
        quick = "    timeout: 1\n    retries: 0\n"  # a worker at its fetch is silent 4 s at most
        configure(ws, server, HF + quick, RSS + quick)
        dsn = str(ws.config.database).replace("postgresql:///", "dbname=")
        with psycopg.connect(dsn, autocommit=True, application_name="frozen worker") as frozen:
            frozen.execute("SELECT pg_advisory_lock(%s)", (lock_key("fetch"),))  # then idle, for good
            pid = frozen.info.backend_pid
            command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--user"]
            command.append("cy")
            send = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(14)  # claims.SAY_AFTER (10 s) and some
            send.send_signal(signal.SIGINT)  # the wait given up
            out, err = send.communicate(timeout=60)
    said = " ".join(err.split())
    # Before: nothing on stderr but Ctrl-C's "stopping: ..."
    assert 'fetch: waiting for another worker, which has held the "fetch" lock for ' in said, err
    assert 'application "frozen worker"' in said and "Ctrl-C gives the wait up" in said, err
    assert "longer than a worker at it is (4 s): it is stopped or hung" in said, err
    assert f"SELECT pg_terminate_backend({pid})" in said, err
