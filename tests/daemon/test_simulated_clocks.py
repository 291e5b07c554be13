"""The simulated workers (simulated_workers) are machines whose clocks are off by minutes: each
reading of the wall clock a worker's leases are judged by is its own, ``CLOCKED``'s modules given
its clock. digest.daemon.clocks reads it for server_time (agree's and sendnow's times on the
server's clock): a worker 5 min ahead has its times taken 5 min back there too, not its clock
left as if it were the server's."""

from __future__ import annotations

import datetime as dt

import pytest
from simulated_days import Server
from simulated_workers import Worker, Workers

import digest.db
from digest.daemon.clocks import server_time
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends


def test_a_simulated_worker_ahead_is_ahead_for_server_time_too(tmp_path, database):
    if not str(database).startswith("postgresql"):
        pytest.skip("one clock on SQLite: no skew to take off")
    sim = Workers(Workspace(tmp_path, 2525, database), Server(), 19)
    ahead = dt.timedelta(minutes=5)
    sim.workers = [Worker("w0", ahead, "clocks")]
    with sim.as_worker(), Store(sim.ws.config.database) as store:
        now = digest.db.wall_clock()  # the worker's clock
        off = now - server_time(store, now)
    assert abs(off - ahead) < dt.timedelta(seconds=5), off
