"""A command refused beside the daemon (`digest run`, which holds the run lock as long as it runs)
was told "Wait for the other one to finish (or stop it).": the daemon never finishes, and the
operator waited for nothing. Said now that it is the daemon, running until stopped, and how to stop
it; a command that ends (`digest send`, `run --once`) is still waited for. Real SQLite, a real
`digest run` and real commands beside it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

pytestmark = pytest.mark.sqlite_only  # the file lock; PostgreSQL takes many workers

HANG = 60  # seconds: only ends a process that hangs; no step is timed


def digest(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=HANG)


def test_a_command_refused_beside_the_daemon_is_told_to_stop_it_not_to_wait(tmp_path):
    with LocalSmtpServer() as server:
        ws = Workspace(tmp_path, smtp_port=server.port)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "-v", "run"]
        daemon = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        try:
            for line in daemon.stderr:  # type: ignore[union-attr]  # -v: it says when it holds the lock
                if "daemon started" in line:
                    break
            send = digest(ws, "send")
            again = digest(ws, "run")
        finally:
            daemon.terminate()
            daemon.communicate(timeout=HANG)
    said = " ".join(send.stderr.split())
    assert send.returncode == 1, said
    assert f"the database is in use by digest run (pid {daemon.pid}); on SQLite" in said, said
    assert (
        "so digest send did not start. It is the daemon, which runs until it is stopped (it does not "
        f"finish): to run digest send now, stop it (`kill {daemon.pid}`: what it has not sent waits in "
        "the outbox), then start it again." in said
    ), said
    assert "Wait for the other one to finish" not in said, said
    second = " ".join(again.stderr.split())
    assert again.returncode == 1, second
    assert (
        "so digest run did not start. It is the daemon, which runs until it is stopped: one is enough."
        in (second)
    ), second


def test_a_command_refused_beside_one_that_ends_is_still_told_to_wait(tmp_path):
    ws = Workspace(tmp_path)
    holding = (
        "from digest.daemon.lock import RunLock; import sys; "
        "RunLock(sys.argv[1]).acquire('digest run --once'); print(flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", holding, str(tmp_path / "digest.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        holder.stdout.readline()  # type: ignore[union-attr]  # it holds the lock
        send = digest(ws, "send")
    finally:
        holder.communicate(b"", timeout=HANG)
    said = " ".join(send.stderr.split())
    assert f"in use by digest run --once (pid {holder.pid})" in said, said
    assert "Wait for the other one to finish (or stop it)." in said and "daemon" not in said, said
