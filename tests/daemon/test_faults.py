"""The fault-injection suite: `digest run` as a real process against a real aiosmtpd server,
with a disk that fills mid-batch, a reader whose message cannot be built, a server that hangs
after DATA, and a server that accepts a message then drops the connection.

What must hold every time: every other reader gets exactly one digest; no reader gets more than
one plus the one in flight (a re-send keeps its Message-ID); `digest status` says what happened.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import errno
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from daemon_processes import start, wait_until
from helpers.disks import tmpfs
from helpers.leases import all_recorded

from digest.cli import main
from digest.demo.smtp_server import LocalSmtpServer, Received

from conftest import Workspace, a_minute_ago, make_dump

PAPERS = [
    (f"Neuromorphic Paper {i}", f"An abstract about neuromorphic chips, number {i}.") for i in range(15)
]
READERS = 12


class Server:
    """aiosmtpd handler keeping every message it accepted; ``fault(rcpt, attempt)`` may act first
    and return what to do: None (accept), "hang" (never answer), "drop" (keep it, hang up)."""

    def __init__(self, fault=None) -> None:
        self.messages: list[Received] = []
        self.attempts: collections.Counter[str] = collections.Counter()
        self.fault = fault or (lambda rcpt, n: None)
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        (rcpt,) = envelope.rcpt_tos
        self.attempts[rcpt] += 1
        what = self.fault(rcpt, self.attempts[rcpt])
        kept = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        if what == "hang":
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 too late"
        self.messages.append(kept)
        if what == "drop":
            server.transport.close()  # accepted, then the connection is gone without a reply
            return "250 never heard"
        return "250 OK"


def setup(root: Path, port: int, extra: str = "", connections: int = 2) -> Workspace:
    ws = Workspace(root, port)
    text = ws.config_path.read_text().replace("timeout: 5", "timeout: 1")
    ws.config_path.write_text(
        text + "scheduler:\n  poll_seconds: 0.5\n  settle_seconds: 0\n"
        f"delivery:\n  connections: {connections}\n  retry_first_seconds: 1\n  retry_max_seconds: 2\n" + extra
    )
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    for i in range(READERS):
        ws.profile(
            f"r{i:02d}", f'email: r{i:02d}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n'
        )
    ws.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=a_minute_ago())
    return ws


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise


def daemon_log(ws: Workspace) -> str:
    return (ws.root / "daemon.log").read_text(errors="replace")


def holds(state, seconds: float):
    """``state()``, looked at every 10 ms for ``seconds``: the same each time (else the test fails at
    once, saying the change)."""
    first, end = state(), time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)
        assert state() == first, f"{first} became {state()}"
    return first


def status(ws: Workspace) -> str:
    result = CliRunner().invoke(main, ["--config", str(ws.config_path), "status"])
    assert result.exit_code == 0, result.output
    return result.output


def copies(server: Server) -> dict[str, list[str]]:
    ids = collections.defaultdict(list)
    for m in server.messages:
        ids[m.rcpt_tos[0]].append(m.message["Message-ID"])
    return ids


def assert_each_reader_once_but_the_one_in_flight(server: Server, readers: list[str]) -> None:
    got = copies(server)
    assert sorted(got) == sorted(readers)
    doubles = {who: ids for who, ids in got.items() if len(ids) > 1}
    for ids in doubles.values():  # a re-send after a lost reply: the same message, folded by clients
        assert len(ids) == 2 and ids[0] == ids[1], doubles
    return doubles


ALL = [f"r{i:02d}@example.org" for i in range(READERS)]


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path, "16m") as disk:
        yield disk


def fill(disk: Path, leave: int) -> None:
    """Fill the disk but for ``leave`` bytes, at once (fallocate): the server's reply must not wait."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for _ in range(20):  # the daemon writes meanwhile: what was free a moment ago may not be
            st = os.statvfs(disk)
            free = st.f_bavail * st.f_frsize + os.fstat(fd).st_size
            try:
                os.posix_fallocate(fd, 0, max(4096, free - leave))
                return
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
        raise AssertionError(f"could not fill {disk}")
    finally:
        os.close(fd)


@pytest.mark.parametrize("connections", [1, 2])
def test_a_disk_that_fills_mid_batch_stops_delivery_without_repeats_and_resumes_once_freed(
    tmp_path, small_disk, connections
):
    def fault(rcpt: str, n: int) -> None:
        if len(server.messages) == 4 and not (small_disk / "filler").exists():
            fill(small_disk, leave=8192)  # room for the note, not for the database's records
        return None

    server = Server(fault)
    with LocalSmtpServer(server) as smtp:
        ws = setup(tmp_path, smtp.port, extra=f"database: {small_disk}/digest.db\n", connections=connections)
        text = ws.config_path.read_text().replace("database: digest.db\n", "")
        ws.config_path.write_text(text)
        proc = start(ws)
        try:
            wait_until(lambda: (small_disk / "filler").exists(), 60, "the disk to fill", ws)
            # the pass that met the full disk over (its connections done), delivery stopped ...
            wait_until(lambda: "tick failed; " in daemon_log(ws), 60, "the pass to fail", ws)
            assert "delivery is stopped" in daemon_log(ws)
            # ... and nothing reaches the server at the next polls (poll_seconds 0.5) with the disk full
            stuck = holds(lambda: (len(server.messages), sum(server.attempts.values())), 2.0)[0]
            full = status(ws)
            # The connections note what the server accepts in the pass's journal (which fits in
            # what is left) and stop at their first write to the database, after at most
            # STORE_BATCH results (here: the pass's end).
            assert stuck <= READERS
            assert_each_reader_once_but_the_one_in_flight(
                server, sorted({m.rcpt_tos[0] for m in server.messages})
            )
            (small_disk / "filler").unlink()  # space again
            wait_until(lambda: len(copies(server)) == READERS, 60, "every digest", ws)
            all_recorded(ws.config.database)  # every one recorded as sent, the note of them cleared
            after = status(ws)
        finally:
            stop(proc)
    doubles = assert_each_reader_once_but_the_one_in_flight(server, ALL)
    # the accepted-but-unrecorded one was recorded, not sent again; at most a reply lost in flight
    # (one per connection) is re-sent, with its Message-ID
    assert len(doubles) <= 2, doubles
    log = (ws.root / "daemon.log").read_text()
    assert "delivery is stopped" in log
    assert "DELIVERY STOPPED" in full
    stopped = full.split("DELIVERY STOPPED")[1].split("\n\n")[0]
    assert "@example.org> at " in stopped and ": 250 OK" in stopped  # the accepted one, named
    assert "DELIVERY STOPPED" not in after and "Messages waiting" not in after
    print(f"disk full after {stuck} of {READERS}; status while full:\n{full}")


def test_a_reader_whose_message_cannot_be_built_is_reported_and_the_others_served(tmp_path):
    server = Server()
    with LocalSmtpServer(server) as smtp:
        ws = setup(tmp_path, smtp.port)
        send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
        eve = 'name: "Eve\\r\\nBcc: all@example.org"\nemail: eve@example.org\ninterests: [neuromorphic]\n'
        ws.profile("eve", eve + f'send_at: "{send_at}"\n')
        ws.dump("bad.json", "[" * 5000 + "]" * 5000, mtime=a_minute_ago())
        proc = start(ws)
        try:
            wait_until(lambda: len(server.messages) >= READERS, 60, "every other digest", ws)
            all_recorded(ws.config.database)  # nothing left to send or to try again
            out = status(ws)
        finally:
            stop(proc)
    assert not assert_each_reader_once_but_the_one_in_flight(server, ALL)
    assert "Profiles with errors (skipped)" in out and "eve.yaml" in out and "control characters" in out
    log = (ws.root / "daemon.log").read_text()
    assert "profile skipped" in log
    assert log.count("nested too deeply") == 1 and "WARNING digest.daemon.service: rejected: " in log


def test_a_server_that_hangs_after_data_costs_a_few_timeouts_and_everyone_gets_one_digest(tmp_path):
    hung: set[str] = set()

    def fault(rcpt: str, n: int) -> str | None:
        if len(hung) < 3 and n == 1 and not server.release.is_set():
            hung.add(rcpt)
            return "hang"
        return None

    server = Server(fault)
    with LocalSmtpServer(server) as smtp:
        ws = setup(tmp_path, smtp.port)
        proc = start(ws)
        try:
            wait_until(lambda: len(hung) >= 2, 60, "the server to hang", ws)
            seen: list[str] = []  # status while a timed-out message waits for its retry (about 1 s)

            def shows_the_timeout() -> bool:
                seen.append(status(ws))
                return "timed out during DATA" in seen[-1]

            wait_until(shows_the_timeout, 20, "`digest status` to show a timed-out message", ws)
            during = seen[-1]
            server.release.set()
            wait_until(lambda: len(copies(server)) == READERS, 60, "every digest", ws)
            all_recorded(ws.config.database)  # no retry left to come due: the attempts are all made
        finally:
            stop(proc)
    assert not assert_each_reader_once_but_the_one_in_flight(server, ALL)
    assert "timed out during DATA" in during
    assert sum(server.attempts.values()) <= READERS + len(hung)  # a retry per hang, no storm


def test_a_server_that_accepts_then_drops_the_connection_gives_at_most_the_one_in_flight_twice(tmp_path):
    dropped: set[str] = set()

    def fault(rcpt: str, n: int) -> str | None:
        if n == 1 and len(dropped) < 3 and rcpt not in dropped:
            dropped.add(rcpt)
            return "drop"
        return None

    server = Server(fault)
    with LocalSmtpServer(server) as smtp:
        ws = setup(tmp_path, smtp.port)
        proc = start(ws)
        try:
            wait_until(lambda: len(dropped) >= 3, 60, "three dropped connections", ws)
            during = status(ws)
            wait_until(
                lambda: len(copies(server)) == READERS and all(len(copies(server)[r]) == 2 for r in dropped),
                60,
                "every digest",
                ws,
            )
            all_recorded(ws.config.database)  # the re-sent ones recorded as sent
            after = status(ws)
        finally:
            stop(proc)
    doubles = assert_each_reader_once_but_the_one_in_flight(server, ALL)
    assert set(doubles) == dropped  # exactly the ones whose reply was lost, each twice, same ID
    assert "hung up during DATA" in during or "hung up during DATA" in (ws.root / "daemon.log").read_text()
    assert "Messages waiting" not in after
