"""Workers at their fetch of the fetch tests' sources on PostgreSQL: cy due as they fetch, a real
`digest` once it holds the "fetch" lock, and `digest status` and a daemon's pass beside it (one
frozen by SIGSTOP in its fetch of a slow loopback source)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

from daemon_processes import workers_share  # tests/daemon's: this helper's users are there

from digest.daemon import status, tick
from digest.daemon.holders import holders
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route
from digest.store import Store
from helpers.fetch_sources import older_shape
from helpers.sends_that_fetch import CY, fetch_the_sources


def cy_due_as_workers_fetch(ws, daily_papers: Callable[[Route], Route | list[Route]]):
    """Skipped on SQLite (workers share a database on PostgreSQL only); cy's send time just come;
    the fetch tests' routes (returned, with their sources HF, RSS and configure), the daily papers'
    answered as ``daily_papers`` makes of its fixture's Route."""
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    workers_share(ws)
    routes = hf_and_feed()  # the daily papers of the feed's day, as older answers send them (dated
    # by the items' publishedAt): taken as the list of the day asked by the real clock
    routes["/api/daily_papers"] = daily_papers(Route(older_shape()))
    ws.profile("cy", CY + f'send_at: "{dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):%H:%M}"\n')
    return routes, HF, RSS, configure


def at_its_fetch(
    ws, out: int = subprocess.DEVNULL, args: tuple[str, ...] = ("run", "--once")
) -> subprocess.Popen:
    """A real `digest run --once` (or `digest ARGS`; its output to ``out``), once it holds the
    "fetch" lock (killed if it never takes it)."""
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]
    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        with Store(ws.config.database) as store:
            while not [h for h in holders(store) if h.duty == "fetch"]:  # its, the only worker
                assert time.monotonic() < deadline and proc.poll() is None, "the worker never took the lock"
                time.sleep(0.02)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


@contextlib.contextmanager
def fetch_holding_the_lock(ws) -> Iterator[subprocess.Popen]:
    """A real `digest fetch` (its output piped) once it holds the "fetch" lock; killed at the end
    if it is still at work."""
    fetching = at_its_fetch(ws, subprocess.PIPE, ("fetch",))
    try:
        yield fetching
    finally:
        if fetching.poll() is None:
            fetching.kill()
            fetching.wait()


def status_then_a_pass(
    ws, monkeypatch, caplog, status_after: float
) -> tuple[str, tick.TickReport, list[str], float]:
    """While another worker holds the "fetch" lock: `digest status` collected ``status_after`` s
    on, then a daemon's pass (its patience, and status', 1 s). (status' text, the pass's report,
    its "lock for" warnings, the seconds from the call to the pass's end)."""
    began = time.monotonic()
    monkeypatch.setattr(tick, "PATIENCE", 1.0)
    monkeypatch.setattr(status, "PATIENCE", 1.0, raising=False)
    time.sleep(status_after)
    shown = status.format_status(status.collect_status(ws.config, dt.datetime.now(dt.UTC)))
    daemon = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC), lambda c: SmtpSender(c.smtp))
    with caplog.at_level(logging.INFO, logger="digest"):
        report = daemon.run_once()
    said = [r.getMessage() for r in caplog.records if "lock for" in r.getMessage()]
    return shown, report, said, time.monotonic() - began


def a_pass_beside_a_frozen_worker(
    ws, monkeypatch, caplog, sources: str, rest: float = 0.0
) -> tuple[subprocess.Popen, tick.TickReport, str, float]:
    """A real `digest run --once` stopped (SIGSTOP) as soon as it holds the "fetch" lock, in its
    fetch of a slow loopback source (``sources``: each source's timeout and retries), then, ``rest``
    s on, a daemon's pass (its patience 2 s, status' 1 s) and `digest status`. (The stopped worker,
    the pass's report, status' text, the seconds the pass took.)"""
    slow = lambda fixture: Route(fixture.body, delay=60)  # noqa: E731 - the fetch it froze in
    routes, HF, RSS, configure = cy_due_as_workers_fetch(ws, slow)
    with LocalHttpServer(routes) as server:
        configure(ws, server, HF + sources, RSS + sources)
        frozen = at_its_fetch(ws)
        os.kill(frozen.pid, signal.SIGSTOP)
        try:
            monkeypatch.setattr(tick, "PATIENCE", 2.0)  # a pass's two minutes, not waited for here
            monkeypatch.setattr(status, "PATIENCE", 1.0, raising=False)
            time.sleep(rest)
            began = time.monotonic()
            daemon = Daemon(ws.config, lambda: dt.datetime.now(dt.UTC), lambda c: SmtpSender(c.smtp))
            with caplog.at_level(logging.INFO, logger="digest"):
                report = daemon.run_once()
            waited = time.monotonic() - began
            shown = status.format_status(status.collect_status(ws.config, dt.datetime.now(dt.UTC)))
        finally:
            os.kill(frozen.pid, signal.SIGKILL)
            frozen.wait(timeout=10)
    return frozen, report, shown, waited
