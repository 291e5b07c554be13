"""`digest run` as real processes in the daemon tests: starting one, waiting on what it does
(with its log in the failure), a mailbox that accepts slowly so a batch takes a while, and another
worker at one of the duties one worker does at a time (its advisory lock held, on PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.demo.smtp_server import Received
from digest.store import Store

from conftest import Workspace


class SlowMailbox:
    """Accepts every message after ``delay`` seconds, so a batch takes a while to go out."""

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.messages: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def start(ws: Workspace, log: str = "daemon.log") -> subprocess.Popen:
    """`digest run` on the workspace's config, its output appended to ``log`` in the workspace."""
    out = open(ws.root / log, "ab")  # noqa: SIM115 - the process owns it
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run"],
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def stop_all(procs, timeout: float = 20) -> None:
    """SIGTERM to each that still runs, then wait for each (killed after ``timeout`` seconds)."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()


def worker_rows(ws: Workspace) -> list[tuple[str, str, str | None]]:
    """The workers table's rows: (id, started_at, settings), first started first."""
    with Store(ws.config.database) as store:
        return store.db.execute("SELECT id, started_at, settings FROM workers ORDER BY started_at").fetchall()


def killed_after_a_pass(ws: Workspace) -> str:
    """A real daemon whose pass ended (its settings written), killed with SIGKILL: its id."""
    first = start(ws, "first.log")
    try:
        wait_until(lambda: any(r[2] for r in worker_rows(ws)), 60, "the first daemon's pass", ws)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_all([first])
    (killed,) = worker_rows(ws)
    return killed[0]


def logs(ws: Workspace) -> str:
    """The end of every daemon's log in the workspace."""
    return "\n".join(
        f"--- {p.name} ---\n{p.read_text(errors='replace')[-4000:]}" for p in sorted(ws.root.glob("*.log"))
    )


def wait_until(condition, timeout: float, what: str, ws: Workspace) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}\n{logs(ws)}")


def workers_share(ws: Workspace) -> None:
    """Skips the test on SQLite: workers share a database (and its advisory locks) on PostgreSQL only."""
    if not str(ws.config.database).startswith("postgresql"):
        pytest.skip("workers share a database on PostgreSQL only")


@contextlib.contextmanager
def another_worker_at(database: Path | str, duty: str, seconds: float | None = None) -> Iterator:
    """Another worker at ``duty`` ("fetch", "ingest": digest.db.lock_key's) on the PostgreSQL
    ``database``: its lock held from a connection of its own (yielded) for ``seconds``, or all along
    (None); a timed hold ends before the block does."""
    import psycopg

    from digest.db import lock_key

    key = lock_key(duty)
    with psycopg.connect(str(database), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))
        done = None
        if seconds is not None:
            done = threading.Timer(seconds, lambda: other.execute("SELECT pg_advisory_unlock(%s)", (key,)))
            done.start()
        try:
            yield other
        finally:
            if done is not None:
                done.join()
