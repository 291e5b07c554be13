"""`digest run` as a real process against a real SMTP server: dumps written slowly, SIGKILL in
the middle of a batch of 200 readers, a restart, SIGTERM, a second daemon refused, and what -v logs."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from daemon_processes import SlowMailbox, start, wait_until

from digest.demo.smtp_server import LocalSmtpServer, Received

from conftest import Workspace, a_minute_ago, make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL

PAPERS = [
    (f"Neuromorphic Paper {i}", f"An abstract about neuromorphic chips, number {i}.") for i in range(15)
]


def setup(
    root: Path, port: int, readers: int, database: str = "digest.db", connections: int = 1
) -> Workspace:
    ws = Workspace(root, port, database=database)
    text = ws.config_path.read_text()
    ws.config_path.write_text(text + "scheduler:\n  poll_seconds: 0.5\n  settle_seconds: 1\n")
    with ws.config_path.open("a") as f:
        f.write(f"delivery:\n  connections: {connections}\n")
        if database.startswith("postgresql://"):  # a killed worker's claims return after the lease
            f.write("  lease_seconds: 3\n")
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    for i in range(readers):
        ws.profile(
            f"r{i:03d}", f'email: r{i:03d}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n'
        )
    return ws


def stop(proc: subprocess.Popen, ws: Workspace) -> None:
    if proc.poll() is not None:  # already gone (a failed test killed it): nothing to stop
        return
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=10) == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the daemon did not stop within 10 s of SIGTERM") from None


def count(ws: Workspace, where: str = "") -> int:
    """Outbox rows (``where``: a condition), read as another process would; 0 before the table exists."""
    sql = "SELECT COUNT(*) FROM outbox" + (f" WHERE {where}" if where else "")
    database = ws.config.database
    try:
        if isinstance(database, str):
            with psycopg.connect(str(database), connect_timeout=5) as db:
                return db.execute(sql).fetchone()[0]
        db = sqlite3.connect(database, timeout=1)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()
    except (sqlite3.Error, psycopg.Error):
        return 0


def outbox_count(ws: Workspace) -> int:
    return count(ws)


def received_by(messages: list[Received]) -> dict[str, list[str]]:
    ids = collections.defaultdict(list)
    for m in messages:
        ids[m.rcpt_tos[0]].append(m.message["Message-ID"])
    return ids


def test_a_dump_written_slowly_is_read_whole_and_each_due_reader_gets_one_digest(database, tmp_path):
    mailbox = SlowMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = setup(tmp_path, server.port, readers=5, database=database)
        proc = start(ws)
        try:
            text = make_dump("Mar 14", PAPERS).encode()
            path = ws.root / "inbox" / "day.txt"
            with open(path, "wb") as f:  # written in pieces, 0.3 s apart
                for i in range(0, len(text), len(text) // 5 + 1):
                    f.write(text[i : i + len(text) // 5 + 1])
                    f.flush()
                    time.sleep(0.3)
            wait_until(lambda: len(mailbox.messages) >= 5, 30, "5 digests", ws)
            time.sleep(1.5)  # a few more polls: nobody gets a second one
        finally:
            stop(proc, ws)
    assert sorted(received_by(mailbox.messages)) == [f"r{i:03d}@example.org" for i in range(5)]
    assert all(len(ids) == 1 for ids in received_by(mailbox.messages).values())
    assert (ws.root / "inbox" / "processed" / "day.txt").read_bytes() == text
    assert not (ws.root / "inbox" / "failed").exists()
    log = (ws.root / "daemon.log").read_text()
    # the whole dump, not the first pieces, said as `digest ingest` says it (digest.ingest.told);
    # before: "dump .../inbox/day.txt (2026-03-14): 15 new papers, 0 known"
    stored = f"INFO digest.ingest.dumps: {path}: 2026-03-14, 15 entries: 15 new papers, 0 already known\n"
    assert stored in log, log
    assert log.count("digest sent to") == 5


@pytest.mark.parametrize(
    ("kill_after", "connections"), [("queueing", 1), (1, 1), (100, 1), (180, 1), (1, 3), (100, 3), (180, 3)]
)
def test_sigkill_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(
    database, tmp_path, kill_after, connections
):
    """At most one repeat per connection. With several connections on SQLite, what the server
    accepted is noted in the pass's journal and recorded in batches: the restart records it
    from the journal before it sends anything."""
    readers = 200
    mailbox = SlowMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = setup(tmp_path, server.port, readers=readers, database=database, connections=connections)
        ws.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=a_minute_ago())
        proc = start(ws)
        try:
            if kill_after == "queueing":
                wait_until(lambda: outbox_count(ws) >= 50, 60, "50 queued digests", ws)
                assert len(mailbox.messages) == 0
            else:
                wait_until(lambda: len(mailbox.messages) >= kill_after, 60, f"{kill_after} sent", ws)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            killed_at = len(mailbox.messages)
            assert killed_at < readers, "the batch finished before the kill"

            proc = start(ws)  # the restart: the lock died with the process
            wait_until(lambda: len(received_by(mailbox.messages)) >= readers, 90, "every digest", ws)
            time.sleep(1.0)
        finally:
            stop(proc, ws)
    by = received_by(mailbox.messages)
    assert sorted(by) == [f"r{i:03d}@example.org" for i in range(readers)]
    doubles = {who: ids for who, ids in by.items() if len(ids) > 1}
    assert len(doubles) <= connections, doubles
    for ids in doubles.values():
        assert len(ids) == 2 and ids[0] == ids[1]  # the re-send folds: same Message-ID
    print(f"killed after {killed_at} of {readers} sent; readers with two copies: {len(doubles)}")
    if not database.startswith("postgresql://"):
        assert not [p for p in tmp_path.iterdir() if ".sent-" in p.name]  # every journal recorded, removed


@pytest.mark.parametrize("connections", [1, 3])
def test_sigterm_mid_batch_records_the_message_in_flight_and_exits_within_seconds(
    database, tmp_path, connections
):
    mailbox = SlowMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = setup(tmp_path, server.port, readers=200, database=database, connections=connections)
        ws.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=a_minute_ago())
        proc = start(ws)
        wait_until(lambda: len(mailbox.messages) >= 50, 60, "50 sent", ws)
        asked = time.monotonic()
        stop(proc, ws)
        took = time.monotonic() - asked
        received = len(mailbox.messages)
    sent, waiting = count(ws, "status = 'sent'"), count(ws, "status = 'queued'")
    assert took < 5
    assert sent == received < 200  # every accepted message recorded; the rest wait, not lost
    assert sent + waiting == 200
    assert "received SIGTERM" in (ws.root / "daemon.log").read_text()


@pytest.mark.sqlite_only  # the file lock; PostgreSQL takes many workers
def test_a_second_daemon_on_the_same_database_refuses_to_start(database, tmp_path):
    with LocalSmtpServer() as server:
        ws = setup(tmp_path, server.port, readers=1, database=database)
        proc = start(ws)
        try:
            wait_until(lambda: (ws.root / "digest.db.lock").exists(), 20, "the lock", ws)
            time.sleep(0.5)
            second = subprocess.run(
                [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert second.returncode == 1
            assert "the database is in use by digest run (pid" in second.stderr
            assert "Traceback" not in second.stderr
        finally:
            stop(proc, ws)


def test_verbose_logs_the_daemons_own_events_not_the_schedulers_line_per_poll(tmp_path):
    with LocalSmtpServer(SlowMailbox(delay=0.4)) as server:  # sending takes polls of 0.5 s
        ws = setup(tmp_path, server.port, readers=6)
        (ws.root / "inbox" / "day.txt").write_text(make_dump("Mar 14", PAPERS))
        out = open(ws.root / "daemon.log", "ab")  # noqa: SIM115 - the process owns it
        proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "-v", "--config", str(ws.config_path), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: len(server.handler.messages) == 6, 30, "6 digests", ws)
            time.sleep(1.5)  # three more polls
        finally:
            stop(proc, ws)
    log = (ws.root / "daemon.log").read_text()
    assert "digest.daemon.service: daemon started" in log
    assert log.count("digest sent to") == 6
    assert "apscheduler" not in log  # neither "Running job" each poll nor "skipped" while sending
