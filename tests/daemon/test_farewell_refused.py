"""A worker stopped on purpose (SIGTERM) signs off: its row leaves the workers table, and `digest
status` does not list it. Stopped while the database would not let it in (a restart, a failover,
the database closed to connections), it could not, and said nothing of it: its log ended "daemon
stopped", as any stop's does, while `digest status` listed it for a day as "not seen for 3 min
(...): killed, hung or its machine gone?". It says so as it stops now."""

from __future__ import annotations

import signal
import time

import psycopg
from daemon_processes import start, stop_all, worker_rows

from digest.store import Store

from conftest import Workspace, postgres_database


def test_a_worker_stopped_while_the_database_refuses_it_says_it_could_not_sign_off(tmp_path):
    with postgres_database() as url:
        ws = Workspace(tmp_path, database=str(url))
        with ws.config_path.open("a") as f:
            f.write("scheduler:\n  poll_seconds: 0.5\n")
        with Store(ws.config.database):  # migrated before the worker starts
            pass
        proc = start(ws)
        try:
            deadline = time.monotonic() + 60
            while not worker_rows(ws) and time.monotonic() < deadline:
                time.sleep(0.1)
            ((worker, _, _),) = worker_rows(ws)
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(autocommit=True) as admin:  # the database closed to everyone now
                admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
                )
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        finally:
            stop_all([proc])
        log = (ws.root / "daemon.log").read_text()
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        assert [r[0] for r in worker_rows(ws)] == [worker]  # not signed off: listed as killed, for a day
    said = log.split("stopping: ", 1)[-1]
    assert f"this worker ({worker}) could not sign off" in said, log  # was: "daemon stopped" alone
    assert 'lists it as not seen ("killed, hung or its machine gone?") for a day' in said
