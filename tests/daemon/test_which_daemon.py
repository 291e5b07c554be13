"""On SQLite, which daemon runs: the one holding the worker's lock, which writes its id in the
lock file (digest.db.worker.lock) before it takes it. `digest status`, `digest serve` and
`digest profile new` took the row started last for it, so a daemon killed and another started
within the same second (start times are whole seconds: a systemd restart) were both shown
running, and until the new one's first heartbeat the killed one's row was taken for it."""

from __future__ import annotations

import collections
import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from daemon_processes import SlowMailbox, killed_after_a_pass, start, stop_all, wait_until, worker_rows

from digest.cli import main
from digest.config import Config, load_config
from digest.daemon.agree import apart
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.daemon.status import collect_status, format_status
from digest.demo.smtp_server import LocalSmtpServer
from digest.filelock import FileLock
from digest.store import Store

from conftest import Workspace, make_dump

R10 = "email: r10@example.org\ninterests: [spiking]\n"


def workspace(tmp_path) -> tuple[Workspace, object]:
    """A daemon's workspace polling twice a second, and a config reading another profiles folder
    (a command whose settings are not the daemon's: refused while that daemon is followed)."""
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 0.5\n")
    ws.profile("r10", R10)
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "bob.yaml").write_text(R10.replace("r10@", "bob@"))
    moved = ws.config_path.read_text().replace("profiles: profiles", "profiles: people")
    (tmp_path / "moved.yaml").write_text(moved)
    return ws, load_config(tmp_path / "moved.yaml")


def running(config: Config) -> dict[str, bool]:
    return {w.id: w.there for w in collect_status(config, dt.datetime.now(dt.UTC)).workers}


def test_a_daemon_killed_and_one_started_in_the_same_second_are_not_both_running(tmp_path):
    """The second daemon is started at once; their start times are made the same second (as a
    restart 100 ms later has them) by writing the killed one's as the second's."""
    ws, moved = workspace(tmp_path)
    before = ws.config  # the killed daemon's: the second one reads the other folder
    killed = killed_after_a_pass(ws)
    ws.config_path.write_text((tmp_path / "moved.yaml").read_text())
    second = start(ws, "second.log")
    try:
        wait_until(lambda: len([r for r in worker_rows(ws) if r[2]]) == 2, 60, "the second daemon's pass", ws)
        (new,) = [r for r in worker_rows(ws) if r[0] != killed]
        with Store(ws.config.database) as store, store.transaction() as db:
            db.execute("UPDATE workers SET started_at = ? WHERE id = ?", (new[1], killed))
        shown = running(ws.config)
        with Store(ws.config.database, readonly=True) as store:  # serve's check follows the second
            now = dt.datetime.now(dt.UTC)
            follows = apart(store, moved, now, beside=True), apart(store, before, now, beside=True)
    finally:
        stop_all([second])
    assert shown == {killed: False, new[0]: True}, shown  # was both running
    assert follows[0] is None and follows[1] is not None, follows


def test_a_killed_daemon_is_not_the_one_running_before_the_next_ones_first_heartbeat(tmp_path):
    """The second daemon holds the locks before it writes its row: held up there (the database
    held by another writer), the killed one's row was shown running and its settings followed."""
    ws, elsewhere = workspace(tmp_path)
    killed = killed_after_a_pass(ws)
    writer = sqlite3.connect(ws.config.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the second daemon's first heartbeat waits for it
    second = start(ws, "second.log")
    try:
        wait_until(RunLock(ws.config.database).held, 60, "the second daemon's lock", ws)
        assert [r[0] for r in worker_rows(ws)] == [killed]  # its row not written yet
        shown = running(ws.config)
        with Store(ws.config.database, readonly=True) as store:
            followed = apart(store, elsewhere, dt.datetime.now(dt.UTC), beside=True)
        writer.execute("ROLLBACK")
        wait_until(lambda: len(worker_rows(ws)) == 2, 60, "the second daemon's heartbeat", ws)
        after = running(ws.config)
    finally:
        writer.close()
        stop_all([second])
    assert shown == {killed: False}, shown  # none running yet (was: the killed one)
    assert followed is None, followed  # nothing to follow (was: the killed daemon's folder)
    assert list(after.values()) == [False, True] and after[killed] is False, after


def test_a_daemon_on_the_database_through_a_symbolic_link_is_the_same_daemon(tmp_path):
    """A config naming the database through a symbolic link (link.db -> digest.db) kept its locks
    beside the link: `digest run` started beside the daemon on the same SQLite file (two daemons
    at once, each shown not running by the other's `digest status`). The locks are beside the
    file itself now, however it is named."""
    ws, _ = workspace(tmp_path)
    (tmp_path / "link.db").symlink_to("digest.db")
    linked = tmp_path / "linked.yaml"  # the same workspace, its config naming the link
    linked.write_text(ws.config_path.read_text().replace("database: digest.db", "database: link.db"))
    daemon = start(ws)
    try:
        wait_until(lambda: any(r[2] for r in worker_rows(ws)), 60, "the daemon's pass", ws)
        (row,) = worker_rows(ws)
        shown = running(load_config(linked))
        result = CliRunner().invoke(main, ["--config", str(linked), "run", "--once"])
    finally:
        stop_all([daemon])
    assert shown == {row[0]: True}, shown  # was: not running
    assert result.exit_code == 1, result.output  # was: a pass beside the daemon
    assert "the database is in use by digest run" in result.output, result.output


def test_a_daemon_of_the_release_before_the_ids_is_shown_running(tmp_path):
    """A daemon started before an upgrade (the release before 35e6a13) holds the worker's lock
    without writing its id in the file; `digest status` and `digest serve` of the new release
    beside it took that for no daemon at all: it was shown 'not seen since ...: stopped or
    stuck?' while its heartbeats went on, and its settings were not followed. The file is
    emptied under a real daemon, as that release leaves it: the rows seen lately tell."""
    ws, elsewhere = workspace(tmp_path)
    daemon = start(ws)
    try:
        wait_until(lambda: any(r[2] for r in worker_rows(ws)), 60, "the daemon's pass", ws)
        (row,) = worker_rows(ws)
        RunLock(ws.config.database).worker.path.write_text("")  # no id, as the older release
        shown = running(ws.config)
        with Store(ws.config.database, readonly=True) as store:
            followed = apart(store, elsewhere, dt.datetime.now(dt.UTC), beside=True)
    finally:
        stop_all([daemon])
    assert shown == {row[0]: True}, shown  # was: not running
    assert followed is not None, followed  # was: nothing followed, another profiles folder served


def test_a_daemon_running_before_its_first_heartbeat_is_said_starting(tmp_path):
    """A daemon holding its locks before its row is written (its first heartbeat waits: here
    for another writer; a migration after an upgrade likewise) was not in `digest status` at
    all: a user who had just started it saw no daemon running. It is said starting."""
    ws, _ = workspace(tmp_path)
    Store(ws.config.database).close()  # the database made, so that another writer can hold it
    writer = sqlite3.connect(ws.config.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    daemon = start(ws)
    try:
        wait_until(RunLock(ws.config.database).held, 60, "the daemon's lock", ws)
        worker = RunLock(ws.config.database).running()
        said = CliRunner().invoke(main, ["--config", str(ws.config_path), "status"])
        writer.execute("ROLLBACK")
    finally:
        writer.close()
        stop_all([daemon])
    assert worker and said.exit_code == 0, said.output
    assert f"{worker}: running, not seen yet (starting its first pass)" in said.output, said.output


def test_a_send_killed_through_a_symbolic_link_is_not_sent_again_through_the_file_itself(tmp_path):
    """`digest send` through link.db -> digest.db, killed with SIGKILL once the server accepted
    four digests, left its journal of them beside the link: the next `digest send`, its config
    naming digest.db, did not see it and sent them again. Kept beside the file itself. (The one
    in flight at the kill, accepted by the server but its reply not read, may go twice, as it
    may without a link: digest.deliver.journal.)"""
    box = SlowMailbox(0.4)  # a batch takes a while: the kill comes in the middle of it
    with LocalSmtpServer(box) as server:
        ws = Workspace(tmp_path, server.port)
        for i in range(8):
            ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
        ws.dump(
            "day.txt",
            make_dump("Mar 14", [(f"Neuromorphic chip {i}", "An event-driven chip.") for i in range(9)]),
        )
        assert ws.cli("ingest").exit_code == 0
        (tmp_path / "link.db").symlink_to("digest.db")
        linked = tmp_path / "linked.yaml"
        linked.write_text(ws.config_path.read_text().replace("database: digest.db", "database: link.db"))
        killed = subprocess.Popen(
            [sys.executable, "-m", "digest", "--config", str(linked), "send"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: len(box.messages) >= 4, 60, "four digests accepted", ws)
        finally:
            os.kill(killed.pid, signal.SIGKILL)
            killed.wait()
        again = ws.cli("send")
    sent = collections.Counter(m.rcpt_tos[0] for m in box.messages)
    assert again.exit_code == 0, again.output
    twice = [to for to, n in sent.items() if n > 1]
    assert len(sent) == 8 and len(twice) <= 1, sent  # was: three or four of them twice


def test_a_daemon_stuck_since_long_ago_is_not_said_starting(tmp_path):
    """A daemon stuck in a pass (a hung server, a disk not answering: it holds its locks, and no
    heartbeat comes) was said 'running, not seen yet (starting its first pass)' by `digest status`
    once its row was a day old, the age past which status lists no row: a user asking why no digest
    came for two days was told it was just starting. Its row is listed, not seen since it hung."""
    ws, _ = workspace(tmp_path)
    daemon = start(ws)
    try:
        wait_until(lambda: any(r[2] for r in worker_rows(ws)), 60, "the daemon's pass", ws)
        (row,) = worker_rows(ws)
        daemon.send_signal(signal.SIGSTOP)  # stuck: the kernel keeps its locks
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        said = format_status(collect_status(ws.config, later, later))
    finally:
        daemon.send_signal(signal.SIGCONT)
        stop_all([daemon])
    assert "starting its first pass" not in said, said
    assert f"{row[0]}: not seen for 2 days 0 h (since " in said, said
    assert "stuck? it still holds the daemon's lock; listed while it does" in said, said


def test_a_daemon_keeping_its_locks_beside_the_link_as_the_release_before_is_not_run_beside(tmp_path):
    """A daemon started before an upgrade, its config naming the database through a symbolic link
    (link.db -> digest.db), holds its locks beside the link (link.db.lock, link.db.worker.lock), as
    the releases before d6b5f48 took them: the new release's `digest run --once` through the same
    config ran a pass beside it, and `digest status` said it 'not seen since ...: stopped or
    stuck?' seconds after its heartbeat. Its locks are held here as that release holds them (an
    exclusive flock each, its note in the run lock), its row written as its heartbeat writes it."""
    ws, _ = workspace(tmp_path)
    (tmp_path / "link.db").symlink_to("digest.db")
    ws.config_path.write_text(ws.config_path.read_text().replace("database: digest.db", "database: link.db"))
    config = load_config(ws.config_path)
    now = dt.datetime.now(dt.UTC)
    with Store(config.database) as store:
        heartbeat(store, "vm:4242:0ld0ld00", now, now, "idle")
    earlier = [FileLock(tmp_path / "link.db.lock"), FileLock(tmp_path / "link.db.worker.lock")]
    assert all(lock.acquire(wait=False) for lock in earlier)
    earlier[0].note(f"digest run (pid {os.getpid()})\n")  # held by this process, as by that daemon
    try:
        result = CliRunner().invoke(main, ["--config", str(ws.config_path), "run", "--once"])
        shown = running(config)
    finally:
        for lock in earlier:
            lock.release()
    assert result.exit_code == 1, result.output  # was 0: a pass beside the daemon
    assert f"link.db.lock: the database is in use by digest run (pid {os.getpid()})" in result.output, (
        result.output
    )
    assert shown == {"vm:4242:0ld0ld00": True}, shown  # was: not running
    RunLock(config.database).acquire("digest send").release()  # free once that daemon stopped


def test_a_status_stopped_while_it_asks_holds_up_no_worker(tmp_path):
    """`digest status` asks whether a worker runs by taking a shared lock on digest.db.worker.lock
    for an instant; stopped there (SIGSTOP, a debugger: here a process that keeps that shared lock),
    it held `digest run --once` (and `digest run`) at its start, deaf to SIGTERM, for as long as it
    stayed stopped. The worker takes a new file now: it runs, and is the one status sees."""
    ws = Workspace(tmp_path)
    ws.profile("r10", R10)
    once = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run", "--once"]
    assert subprocess.run(once, capture_output=True, timeout=120).returncode == 0  # the lock file made
    asking = subprocess.Popen(
        [sys.executable, "-c", HOLD_SHARED, str(tmp_path / "digest.db.worker.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert asking.stdout.readline() == "held\n"
        again = subprocess.run(once, capture_output=True, text=True, timeout=120)  # was: never ended
        assert again.returncode == 0, again.stderr
    finally:
        asking.kill()
        asking.wait()
    assert RunLock(ws.config.database).running() is None  # its lock went with it


HOLD_SHARED = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
print("held", flush=True)
time.sleep(600)
"""


def test_a_worker_killed_as_it_puts_its_lock_file_in_place_leaves_no_file_behind(tmp_path):
    """A worker killed (SIGKILL: systemd's stop timeout, the OOM killer) between making its new
    lock file and renaming it over digest.db.worker.lock left digest.db.worker.lock.<pid>.new
    beside the database for ever. The next worker removes it (here strace kills the first at it)."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to kill the worker at its rename")
    ws = Workspace(tmp_path)
    ws.profile("r10", R10)
    once = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run", "--once"]
    renames = "rename,renameat,renameat2"
    killer = ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={renames}"]
    killer += ["-e", f"inject={renames}:signal=SIGKILL"]
    killed = subprocess.run(killer + once, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL or killed.returncode == 128 + signal.SIGKILL, killed
    assert [p.name for p in tmp_path.glob("*.new")] != []  # the killed worker's
    assert subprocess.run(once, capture_output=True, timeout=120).returncode == 0
    assert [p.name for p in tmp_path.glob("*.new")] == []  # was: digest.db.worker.lock.<pid>.new
    assert RunLock(ws.config.database).running() is None
