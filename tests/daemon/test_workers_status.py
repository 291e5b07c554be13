"""`digest status` on the workers of a database: a worker killed with SIGKILL (no sign-off) is
shown as not seen since its last heartbeat once a lease (or two polls) has passed, not as
running; a day later it is no longer listed, and the next worker's pass drops its row."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from daemon_processes import start, stop_all

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status, format_status
from digest.store import Store

pytestmark = pytest.mark.backends

LEASE = 5


def worker_rows(database: str) -> list[tuple[str, str, str]]:
    with Store(database) as store:
        return store.db.execute("SELECT id, seen_at, holds FROM workers ORDER BY id").fetchall()


def workers_section(config, now: dt.datetime) -> list[str]:
    text = format_status(collect_status(config, now))
    if "\nWorkers" not in text:
        return []
    lines = text.split("\nWorkers", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines[: next((i for i, x in enumerate(lines) if not x), len(lines))]]


def test_a_killed_worker_is_shown_not_seen_since_then_dropped_after_a_day(workspace):
    ws = workspace
    with ws.config_path.open("a") as f:
        f.write(f"scheduler:\n  poll_seconds: 0.5\ndelivery:\n  lease_seconds: {LEASE}\n")
    config = ws.config
    with Store(config.database):  # migrated before the worker starts
        pass
    proc = start(ws)
    try:
        deadline = time.monotonic() + 60
        while not worker_rows(config.database) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop_all([proc])
    (row,) = worker_rows(config.database)
    worker, seen = row[0], dt.datetime.fromisoformat(row[1])

    (line,) = workers_section(config, seen + dt.timedelta(seconds=1))  # within a lease: running
    assert line.startswith(f"{worker}: last seen {seen:%Y-%m-%d %H:%M} UTC (")

    (line,) = workers_section(config, seen + dt.timedelta(seconds=LEASE + 1))
    assert line.startswith(f"{worker}: not seen since {seen:%Y-%m-%d %H:%M} UTC (then ")
    assert line.endswith("): stopped or stuck?")

    a_day_later = seen + dt.timedelta(days=1, minutes=1)
    assert workers_section(config, a_day_later) == []
    Daemon(config, clock=lambda: a_day_later).run_once()  # another worker's pass: the row goes
    assert worker_rows(config.database) == []  # (and that worker's own, signed off)
