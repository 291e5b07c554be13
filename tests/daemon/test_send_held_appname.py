"""`digest send` naming the holder of a reader's digest where the sessions are named by PGAPPNAME
(or the URL's application_name), which digest keeps (digest.db): no session carries a digest
process's id then, and a holder at work, connected, was said "which is gone (no session of it on
the database: killed, or its machine down)". Whether it is connected is not said there."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys

import psycopg

from digest.daemon.claims import heartbeat
from digest.db import wall_clock
from digest.deliver.outbox import QUEUED, Outbox
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database


class Deferring:
    async def handle_DATA(self, server, session, envelope):
        return "451 4.3.0 try again later"


def test_a_holder_connected_under_pgappname_is_not_said_gone(tmp_path):
    with postgres_database() as url, LocalSmtpServer(Deferring()) as server:
        ws = Workspace(tmp_path, server.port, database=str(url))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chips", "An event-driven chip.")]))
        assert ws.cli("ingest").exit_code == 0
        assert "deferred" in ws.cli("send").output
        with Store(ws.config.database) as store:
            outbox = Outbox(store)
            (entry,) = outbox.entries(status=QUEUED)
            now = wall_clock()
            assert outbox.claim([entry.id], "vm:4242:0a1b2c3d", now, dt.timedelta(minutes=2))
            heartbeat(store, "vm:4242:0a1b2c3d", now, now, "in a pass")
        env = dict(os.environ, PGAPPNAME="digest-prod")  # every process of this deployment so named
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        with contextlib.closing(psycopg.connect(str(url), autocommit=True, application_name="digest-prod")):
            again = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    (line,) = [x for x in again.stdout.splitlines() if x.startswith("ada ")]
    assert "which is gone" not in line, line  # was: "..., which is gone (no session of it ...)"
    assert "held by worker vm:4242:0a1b2c3d until its lease ends at " in line, line
    assert "is named by" not in line and "named by the URL's application_name or PGAPPNAME" in line, line
