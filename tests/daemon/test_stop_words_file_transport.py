"""A daemon that writes its digests as files (delivery.transport: file), stopped by SIGTERM: its
log speaks of the file being written, not of a server (before: "stopping: finishing the message
the server has (a message still on its way is withdrawn: ...)"). A real daemon process."""

from __future__ import annotations

import signal
import time

from daemon_processes import start, stop_all, worker_rows

from conftest import Workspace


def test_a_daemon_writing_files_says_its_stop_in_words_of_files(tmp_path):
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 0.5\ndelivery:\n  transport: file\n  dir: out\n")
    proc = start(ws)
    try:
        deadline = time.monotonic() + 60
        while not any(r[2] for r in worker_rows(ws)) and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        stop_all([proc])
    log = (ws.root / "daemon.log").read_text()
    # between passes, no file being written: `digest send`'s words before it writes (test_stop_said_alike)
    assert "stopping: no more digests are made or sent" in log, log
    assert "server" not in log.split("received SIGTERM", 1)[-1], log
