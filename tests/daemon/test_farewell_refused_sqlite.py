"""A worker on SQLite stopped on purpose (SIGTERM) while its database file would not take the
sign-off (made read-only, a full disk): its log said `digest status` lists it as not seen
("killed, hung or its machine gone?"), words of PostgreSQL's several machines, while on SQLite
`digest status` says of it "stopped: no daemon runs (killed: it did not sign off)". It says
what `digest status` says there now."""

from __future__ import annotations

import signal
import time

from daemon_processes import start, stop_all, worker_rows

from digest.daemon.status import collect_status, format_status
from digest.db import wall_clock

from conftest import Workspace, read_only_file


def test_a_worker_on_sqlite_that_could_not_sign_off_says_what_status_says_of_it(tmp_path):
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  poll_seconds: 0.5\n")
    proc = start(ws)
    try:
        deadline = time.monotonic() + 60
        while not any(r[2] for r in worker_rows(ws)) and time.monotonic() < deadline:
            time.sleep(0.1)
        ((worker, _, _),) = worker_rows(ws)
        with read_only_file(tmp_path / "digest.db"):
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
    finally:
        stop_all([proc])
    log = (ws.root / "daemon.log").read_text()
    status = format_status(collect_status(ws.config, wall_clock()))
    # no message on its way at the stop: none is said (test_stop_said_alike)
    assert "stopping: finishing the message in flight" not in log, log
    assert "stopping: no more digests are made or sent" in log, log
    said = log.split("stopping: ", 1)[-1]
    assert f"this worker ({worker}) could not sign off" in said, log
    assert "killed, hung or its machine gone?" not in said, said  # was: PostgreSQL's words
    assert '`digest status` lists it as stopped ("killed: it did not sign off") for a day' in said, said
    (line,) = [x for x in status.splitlines() if worker in x]
    assert "stopped: no daemon runs (killed: it did not sign off)" in line, status
