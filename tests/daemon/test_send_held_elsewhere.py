"""`digest send` run while the workers send (PostgreSQL):
a digest a worker had queued and held (claimed, its lease running) was said "already queued today
at 17:21 UTC; waiting (`digest send` retries it)" by that `digest send`, which left it to its
holder and exited 0: it named neither who had it nor that nothing was for the admin to do. It
names the worker that holds it now."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator

import psycopg
from helpers.clock_ahead import SEND_AHEAD

from digest.daemon.claims import heartbeat
from digest.db import wall_clock
from digest.deliver.outbox import QUEUED, Outbox
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store
from digest.worker_ids import session_name

from conftest import Workspace, make_dump, postgres_database


class Deferring:
    """An SMTP server that defers every message (451), as a busy one does."""

    async def handle_DATA(self, server, session, envelope):
        return "451 4.3.0 try again later"


@contextlib.contextmanager
def held_by_a_worker(tmp_path, lease: dt.timedelta) -> Iterator[tuple[Workspace, dt.datetime]]:
    """ada's digest queued (the server deferring it) and held by worker vm:4242:0a1b2c3d for
    ``lease`` from the moment given, on PostgreSQL (a worker's pass takes it), that worker
    connected meanwhile (a session named as its would be: digest.worker_ids.session_name)."""
    with postgres_database() as url, LocalSmtpServer(Deferring()) as server:
        ws = Workspace(tmp_path, server.port, database=str(url))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chips", "An event-driven chip.")]))
        assert ws.cli("ingest").exit_code == 0
        first = ws.cli("send")  # ada's digest queued, deferred by the server
        assert "deferred" in first.output, first.output
        with Store(ws.config.database) as store:
            outbox = Outbox(store)
            (entry,) = outbox.entries(status=QUEUED)
            now = wall_clock()
            assert outbox.claim([entry.id], "vm:4242:0a1b2c3d", now, lease)
            heartbeat(store, "vm:4242:0a1b2c3d", now, now, "in a pass")  # a worker's row (a send has none)
        with psycopg.connect(str(url), autocommit=True, application_name=session_name("vm:4242:0a1b2c3d")):
            yield ws, now


def test_send_names_the_worker_holding_a_queued_digest(tmp_path):
    with held_by_a_worker(tmp_path, dt.timedelta(minutes=2)) as (ws, _):
        again = ws.cli("send")
    (line,) = [x for x in again.output.splitlines() if x.startswith("ada ")]
    assert "waiting (`digest send` retries it)" not in line, line  # was: said so, of a worker's message
    assert "held by worker vm:4242:0a1b2c3d, which sends it (its lease ends at " in line, line


def test_a_lease_ending_on_another_day_is_said_with_its_date(tmp_path):
    """A lease past midnight was said by its time alone ("its lease ends at 00:01:00 UTC"):
    today's or tomorrow's, the admin could not tell. Its date is said when it is not today."""
    with held_by_a_worker(tmp_path, dt.timedelta(hours=25)) as (ws, now):  # it ends tomorrow
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    ends = (now + dt.timedelta(hours=25)).astimezone(dt.UTC)
    (line,) = [x for x in again.stdout.splitlines() if x.startswith("ada ")]
    assert f"(its lease ends on {ends:%a %Y-%m-%d} at {ends:%H:%M}:" in line, line  # was: "at 18:21:07 UTC"


def test_a_send_ahead_names_the_worker_holding_a_queued_digest(tmp_path):
    """A `digest send` 5 min ahead of the database server judged a worker's lease (a time of the
    server's clock) by its own clock: a running 2 min lease looked ended, and ada's line said
    "waiting (`digest send` retries it)" though that send left it to the worker (its claims are
    held on the server's clock, as `digest status` counts a worker's messages). It judges the
    lease on the server's clock now."""
    with held_by_a_worker(tmp_path, dt.timedelta(minutes=2)) as (ws, _):
        command = [sys.executable, "-c", SEND_AHEAD, str(ws.config_path), "300"]
        again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    (line,) = [x for x in again.stdout.splitlines() if x.startswith("ada ")]
    assert "held by worker vm:4242:0a1b2c3d, which sends it" in line, line  # was: "waiting (...)"
