"""A worker holding a duty's lock on PostgreSQL ends every statement with speaking.MARK, which
pg_stat_activity shows the others (the session's last statement): `digest status` and a waiting
pass then call it stopped once it is silent 20 s. A transaction's end is psycopg's COMMIT, which
carried no mark: a worker stopped (SIGSTOP) right after one of its duty's transactions (a dump's
papers, a fetch's row) was judged as one that does not speak, and `digest status` 25 s later said
nothing of it ("the 120 s a worker at it may be", or a fetch's 240 s), where one stopped after a
plain statement was listed at 20 s. Real parts: a process holding the "ingest" lock
(claims.singleton) stopped by SIGSTOP, PostgreSQL's own view of its session."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from digest.daemon.holders import holders, long_held
from digest.store import Store

from conftest import postgres_database

pytestmark = pytest.mark.backends

HOLD = r"""
import os, signal, sys
from digest.daemon.claims import singleton
from digest.store import Store
with Store(sys.argv[1]) as store, singleton(store, "ingest") as got:
    assert got
    with store.transaction():
        store.db.execute("SELECT 1")
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)  # stopped right after its transaction
"""


def test_a_worker_stopped_right_after_a_transaction_is_called_stopped_by_status():
    with postgres_database() as url:
        Store(url).close()  # its schema made
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(url)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline() == "committed\n"
            with Store(url) as store:
                (held,) = holders(store, ("ingest",))
                assert held.speaks, "its session's last statement is not marked"  # was: 'COMMIT'
                server_now = store.db.execute("SELECT clock_timestamp()").fetchone()[0]
                later = server_now + dt.timedelta(seconds=25)  # `digest status` 25 s on: silent that long
                said = long_held(store, later, 120.0)
        finally:
            holder.kill()
            holder.wait()
    (line,) = said  # was: none
    assert "(more than the 20 s a worker at it may be)" in line, line
