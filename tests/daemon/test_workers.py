"""Several `digest run` workers on one PostgreSQL database, as real processes against a real SMTP
server: 2,000 due readers shared out, one worker killed with SIGKILL in the middle of its
batch, and still every reader gets exactly one digest (apart from at most the one message in
flight on each of the killed worker's connections, re-sent with the same Message-ID)."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from daemon_processes import SlowMailbox, start, stop_all, wait_until
from helpers.many_workers import LEASE, READERS, WORKERS, setup

from digest.demo.smtp_server import LocalSmtpServer, Received

from conftest import postgres_database


def received_by(messages: list[Received]) -> dict[str, list[str]]:
    ids = collections.defaultdict(list)
    for m in list(messages):
        ids[m.rcpt_tos[0]].append(m.message["Message-ID"])
    return ids


def holders(url: str) -> dict[str, int]:
    """Queued messages each worker holds now (host:pid:token -> how many)."""
    with psycopg.connect(url, connect_timeout=5) as db:
        rows = db.execute(
            "SELECT claimed_by, COUNT(*) FROM outbox WHERE status = 'queued' AND claimed_by IS NOT NULL "
            "GROUP BY claimed_by"
        ).fetchall()
    return dict(rows)


def test_four_workers_one_killed_mid_batch_every_reader_gets_one_digest(tmp_path):
    mailbox = SlowMailbox(delay=0.005)
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws = setup(tmp_path, server.port, url)
        procs = [start(ws, f"worker{n}.log") for n in range(WORKERS)]
        try:
            wait_until(lambda: len(mailbox.messages) >= 300, 240, "300 digests sent", ws)
            pids = {p.pid: p for p in procs}
            # the victim: a worker holding messages it has not sent yet (mid-batch)
            victim = None
            deadline = time.monotonic() + 30
            while victim is None and time.monotonic() < deadline:
                held = {int(w.split(":")[1]): n for w, n in holders(url).items()}
                victim = next((pid for pid, n in held.items() if pid in pids and n > 0), None)
            assert victim is not None, "no worker held a batch"
            held_then = held[victim]
            os.kill(victim, signal.SIGKILL)
            pids[victim].wait(timeout=10)
            sent_at_kill = len(mailbox.messages)
            assert sent_at_kill < READERS, "the day's digests were all out before the kill"
            wait_until(
                lambda: len(received_by(mailbox.messages)) >= READERS, 300, "every reader's digest", ws
            )
            time.sleep(2 * LEASE / 5 + 1.0)  # a few more polls: nobody gets a second one
        finally:
            stop_all(procs)
        by = received_by(mailbox.messages)
        assert sorted(by) == [f"r{i:04d}@example.org" for i in range(READERS)]
        doubles = {who: ids for who, ids in by.items() if len(ids) > 1}
        assert len(doubles) <= 1, doubles  # delivery.connections is 1: one message in flight
        for ids in doubles.values():
            assert len(ids) == 2 and ids[0] == ids[1]  # the re-send folds: same Message-ID
        with psycopg.connect(url) as db:
            sent, queued = db.execute(
                "SELECT COUNT(*) FILTER (WHERE status = 'sent'), COUNT(*) FILTER (WHERE status = 'queued') "
                "FROM outbox"
            ).fetchone()
            periods = db.execute("SELECT COUNT(*) FROM period_digests").fetchone()[0]
            senders = dict(
                db.execute("SELECT claimed_by, COUNT(*) FROM outbox GROUP BY claimed_by").fetchall()
            )
        assert (sent, queued, periods) == (READERS, 0, READERS)
        print(
            f"{WORKERS} workers, {READERS} readers: killed pid {victim} holding {held_then} messages after "
            f"{sent_at_kill} sent; readers with two copies: {len(doubles)}; messages by worker: {senders}"
        )


def test_send_while_a_worker_runs_and_the_worker_after_it_give_each_reader_one_digest(tmp_path):
    mailbox = SlowMailbox(delay=0.002)
    readers = 300
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws = setup(tmp_path, server.port, url, readers)
        worker = start(ws, "worker.log")  # its first tick and `send` race for the same readers
        try:
            send = subprocess.run(
                [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert send.returncode == 0, send.stderr
            everyone = lambda: len(received_by(mailbox.messages)) >= readers  # noqa: E731
            wait_until(everyone, 120, "every reader's digest", ws)
            late = start(ws, "late-worker.log")  # `run` after `send`, the same day: nothing more
            time.sleep(5)
        finally:
            stop_all((worker, late) if "late" in locals() else (worker,))
        by = received_by(mailbox.messages)
        assert sorted(by) == [f"r{i:04d}@example.org" for i in range(readers)]
        assert all(len(ids) == 1 for ids in by.values()), {w: i for w, i in by.items() if len(i) > 1}
        with psycopg.connect(url) as db:
            rows, periods = db.execute(
                "SELECT (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM period_digests)"
            ).fetchone()
            makers = db.execute("SELECT claimed_by, COUNT(*) FROM outbox GROUP BY claimed_by").fetchall()
        assert (rows, periods) == (readers, readers)
        print(f"`send` beside a worker, {readers} readers: messages by maker {dict(makers)}")


if not any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE")):
    pytestmark = pytest.mark.skip(reason="no PostgreSQL server: set PG* (or run under pg_virtualenv)")
