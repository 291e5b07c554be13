"""`digest status` on the workers of a database: a worker killed with SIGKILL (no sign-off) is
shown as not seen since its last heartbeat once a lease (or two polls) has passed, not as
running; a day later it is no longer listed, and the next worker's pass drops its row."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import time

import pytest
from daemon_processes import start, stop_all

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status, format_status
from digest.db import is_postgres
from digest.demo.http_server import LocalHttpServer, Route
from digest.schema import SCHEMA_VERSION
from digest.store import Store, iso

pytestmark = pytest.mark.backends

LEASE = 5


def worker_rows(database: str) -> list[tuple[str, str, str]]:
    with Store(database) as store:
        return store.db.execute("SELECT id, seen_at, holds FROM workers ORDER BY id").fetchall()


def workers_section(config, now: dt.datetime) -> list[str]:
    text = format_status(collect_status(config, now))
    if "\nWorkers" not in text:
        return []
    lines = text.split("\nWorkers", 1)[1].splitlines()[1:]
    return [line.strip() for line in lines[: next((i for i, x in enumerate(lines) if not x), len(lines))]]


def test_a_killed_worker_is_shown_not_seen_since_then_dropped_after_a_day(workspace):
    ws = workspace
    with ws.config_path.open("a") as f:
        f.write(f"scheduler:\n  poll_seconds: 0.5\ndelivery:\n  lease_seconds: {LEASE}\n")
    config = ws.config
    with Store(config.database):  # migrated before the worker starts
        pass
    proc = start(ws)
    try:
        deadline = time.monotonic() + 60
        while not worker_rows(config.database) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop_all([proc])
    (row,) = worker_rows(config.database)
    worker, seen = row[0], dt.datetime.fromisoformat(row[1])

    (line,) = workers_section(config, seen + dt.timedelta(seconds=1))  # within a lease
    if is_postgres(config.database):  # running, for all the others can tell (another machine's)
        assert line.startswith(f"{worker}: last seen {seen:%Y-%m-%d %H:%M} UTC (")
    else:  # SQLite: no worker holds its lock, so no daemon runs (see test_beside_sqlite)
        assert line.startswith(f"{worker}: not seen for 1 s (since {seen:%Y-%m-%d %H:%M} UTC, then ")

    # what an operator can act on: for how long, what it means, until when it is listed (was:
    # 'not seen since 03:12 UTC (then in a pass): stopped or stuck?', the same all day long)
    why = (
        "killed, hung or its machine gone?"
        if is_postgres(config.database)
        else "stopped: no daemon runs (killed: it did not sign off)."
    )
    until = seen + dt.timedelta(days=1)
    for later, lasted in ((LEASE + 1, f"{LEASE + 1} s"), (7 * 60, "7 min"), (3 * 3600 + 300, "3 h 05 min")):
        (line,) = workers_section(config, seen + dt.timedelta(seconds=later))
        since = f"{worker}: not seen for {lasted} (since {seen:%Y-%m-%d %H:%M} UTC, then "
        assert line.startswith(since), line
        assert line.endswith(
            f"): {why} Its leases have ended (what it held went to the others); "
            f"listed until {until:%Y-%m-%d %H:%M} UTC unless seen again"
        ), line

    a_day_later = seen + dt.timedelta(days=1, minutes=1)
    assert workers_section(config, a_day_later) == []
    Daemon(config, clock=lambda: a_day_later).run_once()  # another worker's pass: the row goes
    assert worker_rows(config.database) == []  # (and that worker's own, signed off)


def test_a_worker_is_seen_again_between_the_steps_of_a_long_pass(workspace):
    """A pass is seen at its start and its end; a slow fetch (a source timing out, retried) made
    a worker past a lease into its pass look killed to the others and to `digest status`. It is
    seen again after each source (and after the ingest, and the look at the names): here, when
    the second source is asked, the worker's row is newer than when the first was."""
    ws = workspace
    seen_when_asked: dict[str, str] = {}

    def source(name: str):
        def answer(query: dict[str, str]) -> Route:
            seen_when_asked[name] = worker_rows(ws.config.database)[0][1]
            return Route(b"[]")

        return answer

    with LocalHttpServer({"/one": source("one"), "/two": source("two")}) as server:
        sources = "".join(
            f"  - kind: hf_daily\n    name: {name}\n    url: {server.url('/' + name)}\n    when: ['00:00']\n"
            for name in ("one", "two")
        )
        ws.config_path.write_text(ws.config_path.read_text() + "sources:\n" + sources)
        ticks = itertools.count()
        start_at = dt.datetime.now(dt.UTC)
        clock = lambda: start_at + dt.timedelta(minutes=next(ticks))  # noqa: E731 - each look a minute later
        Daemon(ws.config, clock).run_once()
    assert seen_when_asked["two"] > seen_when_asked["one"]


def test_on_sqlite_a_killed_worker_restarted_under_another_id_is_said_stopped_not_maybe_hung(workspace):
    """systemd restarts a daemon the OOM killer took, under another id: on SQLite the lock tells
    that the new one alone runs, so the old one is stopped, not "hung or its machine gone?" (a
    hung daemon would still hold the lock, and the new one could not have started)."""
    ws = workspace
    if is_postgres(ws.config.database):
        pytest.skip("on PostgreSQL no lock tells whether another machine's worker runs")
    with ws.config_path.open("a") as f:
        f.write(f"scheduler:\n  poll_seconds: 0.5\ndelivery:\n  lease_seconds: {LEASE}\n")
    config = ws.config
    with Store(config.database):
        pass
    procs = []
    try:
        for _ in range(2):  # the first killed, the second its restart
            procs.append(start(ws))
            deadline = time.monotonic() + 60
            while len(worker_rows(config.database)) < len(procs) and time.monotonic() < deadline:
                time.sleep(0.1)
            if len(procs) == 1:
                os.kill(procs[0].pid, signal.SIGKILL)
                procs[0].wait(timeout=10)
        rows = {row[0]: dt.datetime.fromisoformat(row[1]) for row in worker_rows(config.database)}
        running = next(
            w for w in rows if f"{w}: last seen" in "\n".join(workers_section(config, max(rows.values())))
        )
        (killed,) = set(rows) - {running}
        (line,) = [
            x for x in workers_section(config, rows[killed] + dt.timedelta(minutes=7)) if x.startswith(killed)
        ]
    finally:
        stop_all(procs)
    assert f"{killed}: not seen for 7 min (since " in line, line
    assert (
        "): stopped: another daemon runs now (killed: it did not sign off). Its leases have ended" in line
    ), line


def test_a_daemon_of_the_release_before_an_upgrade_is_said_so_not_killed(workspace):
    """A daemon of the release before, left running (or stopped) after another worker upgraded the
    database, refuses it at every pass and cannot sign off: `digest status` said it was killed,
    hung or its machine gone (on SQLite: killed), for a day. Its row, as that release wrote it at
    its last pass, names no schema (the workers' rows name theirs since schema 32)."""
    config = workspace.config
    seen = dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    with Store(config.database) as store, store.transaction():  # (shown with 7470f3b's `digest run`)
        store.db.execute(
            "INSERT INTO workers (id, started_at, seen_at, holds, settings) VALUES (?,?,?,?,?)",
            ("db1:4242:0a1b2c3d", iso(seen - dt.timedelta(hours=1)), iso(seen), "", None),
        )
    (line,) = workers_section(config, seen + dt.timedelta(minutes=5))
    assert line == (  # was: "... then idle): killed, hung or its machine gone? Its leases ..."
        "db1:4242:0a1b2c3d: not seen for 5 min (since 2026-03-16 07:00 UTC, then idle): a daemon of an "
        f"earlier release (before schema 32; this one's is {SCHEMA_VERSION}): it refuses the database "
        "since its upgrade, so it neither runs nor signs off; upgrade digest there and restart it (or "
        "stop it). Its leases have ended (what it held went to the others); listed until 2026-03-17 "
        "07:00 UTC unless seen again"
    )
    assert workers_section(config, seen + dt.timedelta(days=1, minutes=1)) == []
