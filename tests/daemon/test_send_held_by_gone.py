"""A `digest send` killed (SIGKILL, or its machine down) while it sent ada's digest leaves the
message claimed until its lease ends; a later `digest send` said "held by worker vm:25510:e16b0b18,
which sends it (its lease ends at 20:06:46 UTC; then another worker or `digest send` does)" and
exited 0: nobody was sending it, and nobody would before the lease ended. It says the holder is
gone (no session of it on the database) and when another sends it. A `digest send` stopped
(SIGSTOP) or at work was named "worker" likewise: a send is none (`digest status` does not list
it); it is named a `digest send`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump, postgres_database

pytestmark = pytest.mark.backends


class Stalling:
    """An SMTP server that takes a message's DATA and never answers it (a server hung)."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(3600)
        return "250 ok"


@contextlib.contextmanager
def sending_ada(tmp_path) -> Iterator[tuple[Workspace, subprocess.Popen, str]]:
    """A real `digest send` holding ada's digest (the server hung on its DATA), on PostgreSQL: the
    workspace, the process and its id (the message's claimed_by)."""
    with postgres_database() as url, LocalSmtpServer(Stalling()) as server:
        ws = Workspace(tmp_path, server.port, database=str(url))
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chips", "An event-driven chip.")]))
        assert ws.cli("ingest").exit_code == 0
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with psycopg.connect(str(url), autocommit=True) as db:
                for _ in range(600):
                    row = db.execute("SELECT claimed_by FROM outbox WHERE claimed_by IS NOT NULL").fetchone()
                    if row:
                        break
                    time.sleep(0.1)
            assert row, "the first send claimed nothing"
            yield ws, first, row[0]
        finally:
            first.kill()
            first.wait()


def send_again(ws: Workspace) -> tuple[int, str, str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    (line,) = [x for x in again.stdout.splitlines() if x.startswith("ada ")]
    return again.returncode, line, again.stderr


def test_a_send_killed_holding_a_digest_is_said_gone(tmp_path):
    with sending_ada(tmp_path) as (ws, first, holder):
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        time.sleep(0.5)  # its session ends with it
        code, line, _ = send_again(ws)
    assert code == 0, line
    assert "which sends it" not in line, line  # was: "held by worker ..., which sends it (its lease ends ..."
    assert f"held by `digest send` {holder}, which is gone (no session of it on the database" in line, line
    assert "sends it once its lease ends at " in line, line


def test_a_send_stopped_holding_a_digest_is_named_a_send_not_a_worker(tmp_path):
    with sending_ada(tmp_path) as (ws, first, holder):
        os.kill(first.pid, signal.SIGSTOP)
        try:
            code, line, _ = send_again(ws)
        finally:
            os.kill(first.pid, signal.SIGCONT)
    assert code == 0, line
    assert f"held by worker {holder}" not in line, line  # was: "held by worker vm:...:..., which sends it"
    assert f"held by `digest send` {holder}, which sends it (its lease ends at " in line, line
    assert "then another worker or `digest send` does)" in line, line
