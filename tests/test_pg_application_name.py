"""digest names its PostgreSQL sessions `digest HOST:PID:TOKEN` (the workers table's id), so that
the warning of a pass kept waiting and `digest status` tell which worker holds a duty's lock; but
PostgreSQL keeps 63 bytes of an application_name, and the name was cut at its end: on a host of
a cloud's long name (ip-172-31-45-123.eu-west-1.compute.internal) the token went, on a longer
one the pid too. Real parts: a real process on a host of that name (unshare -u), its session as
pg_stat_activity shows it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import postgres_database

OWN = """
import sys
from digest.worker_ids import worker_id
from digest.store import Store
with Store(sys.argv[1]) as store:
    row = store.db.execute("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
    print(worker_id())
    print(row.fetchone()[0])
"""


@pytest.mark.parametrize(
    "host", ["ip-172-31-45-123.eu-west-1.compute.internal", "digest-worker-" + "x" * 40 + "-0"]
)
def test_a_workers_session_is_named_with_its_pid_and_token_on_a_host_of_a_long_name(host):
    with postgres_database() as url:
        done = subprocess.run(
            [
                "unshare",
                "-u",
                "sh",
                "-c",
                f'hostname {host} && exec "$0" -c "$1" "$2"',
                sys.executable,
                OWN,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    if done.returncode and ("hostname: " in done.stderr or "unshare: " in done.stderr):  # not root
        pytest.skip(f"cannot name a host here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    worker, app = done.stdout.split("\n")[:2]
    _, pid, token = worker.rsplit(":", 2)
    assert len(app.encode()) <= 63, app
    assert app.startswith("digest ip-172-31-" if host.startswith("ip-") else "digest digest-worker-"), app
    assert app.endswith(f":{pid}:{token}"), (app, worker)  # was: cut in the token, or the pid


def test_a_database_whose_name_holds_application_name_gets_the_workers_session_name():
    """The URL was searched for "application_name" as text: a database so named (or a password
    holding it) was taken for the user's own name, and the session went unnamed."""
    import psycopg

    def own(url: str) -> list[str]:  # the worker's id and its session's application_name
        done = subprocess.run([sys.executable, "-c", OWN, url], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split("\n")[:2]

    with postgres_database() as url:
        name = "application_name_" + url.rsplit("/", 1)[1]
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            worker, app = own(url.rsplit("/", 1)[0] + "/" + name)
            _, mine = own(f"{url}?application_name=mine")
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert app == f"digest {worker}", (app, worker)  # was: '' (unnamed)
    assert mine == "mine"  # the user's own kept


HOLD = """
import datetime as dt, socket, sys
socket.sethostname(sys.argv[2])
from digest.daemon.claims import heartbeat, singleton
from digest.worker_ids import worker_id
from digest.store import Store
with Store(sys.argv[1]) as store, singleton(store, "fetch") as mine:
    if sys.argv[3:]:  # noted in the workers table, as a worker's pass notes itself
        now = dt.datetime.now(dt.UTC)
        heartbeat(store, worker_id(), now, now, "fetch")
    print(worker_id(), mine, flush=True)
    sys.stdin.read()  # held until the test closes it
"""


def held_by_a_worker_on(host: str, *noted: str):
    """(The worker's id, its holder of the "fetch" lock as a pass sees it): a real process on a host
    of that name (unshare -u), ``noted`` ("noted"): in the workers table as a pass notes itself."""
    from digest.daemon.holders import holders
    from digest.store import Store

    with postgres_database() as url:
        command = ["unshare", "-u", sys.executable, "-c", HOLD, url, host, *noted]
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = worker.stdout.readline().split()
            if not line:
                pytest.skip("cannot name a host here (not root?)")
            assert line[1] == "True", line
            with Store(url) as store:
                (held,) = holders(store, ("fetch",))
        finally:
            worker.communicate("", timeout=30)
    return line[0], held


def test_a_worker_on_a_host_of_a_non_ascii_name_is_named_so_the_admin_knows_it():
    """PostgreSQL puts "?" for each byte of an application_name that is not ASCII: a worker on
    bücher-wörk.example was 'digest b??cher-w??rk.example:PID:TOKEN' in the warning of a pass kept
    waiting for it and in `digest status`, matching no row of the workers table. Real parts: a real
    process on a host of that name (unshare -u) holding the "fetch" lock, its holder as a pass sees it."""
    worker, held = held_by_a_worker_on("bücher-wörk.example")
    assert held.application.isascii() and "?" not in held.application, held.application
    assert f", worker {worker}, client " in held.describe(), held.describe()  # was: 'digest b??cher-w??rk...'


def test_a_worker_on_a_host_named_in_punycode_is_named_as_the_workers_table_names_it():
    """A host named as DNS writes a name that is not ASCII (xn--bcher-kva.example, as a machine of
    an internationalized domain is named) was read back as bücher.example: the holder's line named
    "worker bücher.example:PID:TOKEN", a worker the workers table and the Workers section of
    `digest status` do not have (theirs is xn--bcher-kva.example:PID:TOKEN). A session whose name is a
    worker's id in that table is that worker, as it is named."""
    worker, held = held_by_a_worker_on("xn--bcher-kva.example", "noted")
    assert held.application == f"digest {worker}", held.application
    assert ", worker " not in held.describe(), held.describe()  # was: ', worker bücher.example:...'
