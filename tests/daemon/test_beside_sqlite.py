"""On SQLite, the commands that run beside the daemon without its run lock (`digest serve`,
`digest profile new`) follow the settings of the daemon that runs: the run lock lets one daemon
at a time, so a row left by a daemon killed before it (kill -9, a crash) is not one to follow,
even within a lease of its death. A daemon killed, its config then given another profiles
folder (the folder moved) and started again made `digest profile new` refused, for a lease,
as if the running daemon had another folder than its own."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal

from daemon_processes import killed_after_a_pass, start, stop_all, wait_until
from daemon_processes import worker_rows as rows

from digest.config import load_config
from digest.daemon.agree import apart, worker_settings
from digest.daemon.claims import heartbeat
from digest.daemon.lock import RunLock
from digest.files import write_atomic
from digest.store import Store

from conftest import Workspace

R10 = "email: r10@example.org\ninterests: [spiking]\n"


def test_a_killed_daemons_row_is_not_followed_once_another_daemon_runs(tmp_path):
    """Nor shown running by `digest status` (on SQLite, the daemon holding the worker's lock,
    whose id is in it, is the one that runs: the run lock lets one at a time)."""
    from digest.daemon.status import collect_status

    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 0.5\n")
    ws.profile("r10", R10)
    now = dt.datetime.now(dt.UTC)
    with Store(ws.config.database) as store:  # eve had digests; her file is gone
        store.set_schedule_state("eve", "2026-03-15", now - dt.timedelta(days=1))
    killed = killed_after_a_pass(ws)  # the next daemon started at once (within its second, or not)

    shutil.move(tmp_path / "profiles", tmp_path / "people")  # the folder moved, the config told
    ws.config_path.write_text(ws.config_path.read_text().replace("profiles: profiles", "profiles: people"))
    write_atomic(tmp_path / "people" / "bob.yaml", R10.replace("r10@", "bob@"), whole=True)  # a reader added
    second = start(ws, "second.log")
    try:
        wait_until(lambda: len([r for r in rows(ws) if r[2]]) == 2, 60, "the second daemon's pass", ws)
        with Store(ws.config.database) as store:
            assert apart(store, ws.config, dt.datetime.now(dt.UTC), beside=True) is None  # serve's check
        shown = {w.id: w.there for w in collect_status(ws.config, dt.datetime.now(dt.UTC)).workers}
        assert shown[killed] is False and list(shown.values()).count(True) == 1, shown  # one runs
        result = ws.cli("profile", "new", "eve", "--email", "eve@example.org", "-i", "spiking")
    finally:
        stop_all([second])
    assert killed in {r[0] for r in rows(ws)}  # the killed one's row is still there (for a day)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "people" / "eve.yaml").exists()


def test_a_daemon_in_its_first_pass_is_the_one_followed_not_the_one_killed_before_it(tmp_path):
    """The daemon started last has no settings in its row until its first pass ends: until then
    there are none to follow (not the killed one's, started before it)."""
    ws = Workspace(tmp_path)
    (tmp_path / "other").mkdir()
    other = Workspace(tmp_path / "other")  # another profiles folder, with other names
    other.profile("ada", R10)
    now = dt.datetime.now(dt.UTC)
    with (
        RunLock(ws.config.database).acquire(worker="h:2:new"),
        Store(ws.config.database) as store,
    ):  # "h:2:new" runs
        killed_at = now - dt.timedelta(seconds=30)
        heartbeat(
            store,
            "h:1:killed",
            killed_at - dt.timedelta(hours=1),
            killed_at,
            settings=worker_settings(other.config),
        )
        heartbeat(store, "h:2:new", now - dt.timedelta(seconds=5), now, "in a pass")  # its first pass
        assert apart(store, ws.config, now, beside=True) is None
        heartbeat(
            store, "h:2:new", now - dt.timedelta(seconds=5), now, settings=worker_settings(other.config)
        )
        assert apart(store, ws.config, now, beside=True) is not None  # once it has some: followed


def test_a_killed_daemon_is_neither_shown_running_nor_followed_once_its_run_lock_is_free(tmp_path):
    """On SQLite a daemon killed with SIGKILL was shown running by `digest status`, and its
    settings followed by `digest serve` and `digest profile new`, for a lease after its death
    (its row seen lately). Its lock tells at once: a worker (`digest run`, `run --once`) holds it
    while it lives (the kernel drops it when the process dies), so a row is a running daemon's
    only while it is held; not the run lock, which `digest send` holds too."""
    from digest.daemon.status import collect_status

    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 0.5\n")
    ws.profile("r10", R10)
    moved = ws.config_path.read_text().replace("profiles: profiles", "profiles: people")
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "bob.yaml").write_text(R10.replace("r10@", "bob@"))
    (tmp_path / "moved.yaml").write_text(moved)  # a command whose folder is not the daemon's
    elsewhere = load_config(tmp_path / "moved.yaml")
    daemon = start(ws)
    try:
        wait_until(lambda: any(r[2] for r in rows(ws)), 60, "the daemon's pass", ws)
        now = dt.datetime.now(dt.UTC)
        (running,) = collect_status(ws.config, now).workers
        assert running.there  # while it runs: shown running, and followed
        with Store(ws.config.database) as store:
            assert apart(store, elsewhere, now, beside=True) is not None
        os.kill(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=10)
    finally:
        stop_all([daemon])
    now = dt.datetime.now(dt.UTC)  # within a lease of its last heartbeat
    (killed,) = collect_status(ws.config, now).workers
    assert not killed.there  # "not seen since ...: stopped or stuck?"
    with Store(ws.config.database) as store:
        assert apart(store, elsewhere, now, beside=True) is None  # nothing to follow
    # nor while a command that writes holds the run lock (`digest send`, `fetch`, `ingest`): it
    # is no daemon (the run lock alone told "held", and the killed daemon was followed again)
    with RunLock(ws.config.database).acquire("digest send"):
        (killed,) = collect_status(ws.config, now).workers
        assert not killed.there
        with Store(ws.config.database) as store:
            assert apart(store, elsewhere, now, beside=True) is None


def test_asking_whether_a_daemon_runs_holds_up_no_command_and_refuses_no_daemon(tmp_path):
    """Asking (RunLock.held) took a shared lock on the run lock itself for an instant: every
    command starting then (`digest send`, `run`) had to wait up to half a second for it, and was
    refused past that. It asks the worker's own lock now, which no command but a starting worker
    takes: the run lock is free to take at once; a worker starting while the question holds its
    instant takes a new file (it waited for the question, and for ever for one stopped there:
    test_which_daemon), which the next question asks."""
    import fcntl

    ws = Workspace(tmp_path)
    database = ws.config.database
    RunLock(database).acquire(worker="h:1:before").release()  # the files made, as by a daemon run before
    asking = os.open(RunLock(database).worker.path, os.O_RDONLY)
    fcntl.flock(asking, fcntl.LOCK_SH)  # a question at its instant (held here as long as needed)
    try:
        RunLock(database).acquire("digest send").release()  # not held up by it
        daemon = RunLock(database).acquire(worker="h:2:starting")  # nor the worker
        try:
            assert RunLock(database).running() == "h:2:starting"
        finally:
            daemon.release()
        assert not RunLock(database).held()
    finally:
        os.close(asking)  # the question answered
