"""The days a stopped catch-up left (the server failing: missed_days.leave) are said at the time of
the `digest fetch` that left them, also when that fetch's own day was then stopped (SIGTERM: not
recorded) and it ran at the first second of a minute: 00:00:00. Before, `digest status` said them
"(at 2026-12-18 23:59 UTC)", and the source's line "FETCH FAILED at 2026-12-18 23:59 UTC": the
time of their records (a second apart before the run), of the day before: leave wrote no run_at
(schema 38). Real `digest fetch` and `digest status` under libfaketime, a loopback API shaped
like the real one: 503 for the first day asked, no answer for the source's own day until the
fetch is stopped."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, digest_started_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the days left are records of the store

HF = (
    "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"
    "    retries: 0\n    timeout: 90\n"  # the own day's fetch waits until it is stopped
)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def test_the_days_left_by_a_fetch_stopped_then_are_said_at_its_time(workspace):
    asked_own, stop = threading.Event(), threading.Event()

    def api(query: dict[str, str]) -> Route:
        if query["date"] == "2026-12-11":  # the first day caught up on: the server failing
            return Route(b"busy", status=503, content_type="text/plain")
        if query["date"] == "2026-12-18":  # the own day: no answer until the fetch is stopped
            asked_own.set()
            stop.wait(60)
        return Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(10, 6))  # the 9th
        fetch = digest_started_at(workspace, "fetch", at=at(19, 0))  # the 11th fails, the 12th to 17th left
        try:
            assert asked_own.wait(60), "the fetch never asked for its own day"
            os.killpg(fetch.pid, signal.SIGTERM)
            fetch.communicate(timeout=60)
        finally:
            stop.set()
        status = digest_at(workspace, "status", at=at(19, 1)).stdout
    source = [line for line in status.splitlines() if line.startswith("Source hf_daily: ")]
    assert source == [
        "Source hf_daily: FETCH FAILED at 2026-12-19 00:00 UTC: not asked for: the catch-up stopped at "
        "2026-12-11, the server failing (last success 2026-12-10 06:00 UTC)"
    ], status  # was: FETCH FAILED at 2026-12-18 23:59 UTC (the 17th's record)
    twelfth = [line for line in status.splitlines() if "the daily papers of 2026-12-12 " in line]
    assert len(twelfth) == 1, status
    assert "(at 2026-12-19 00:00 UTC)" in twelfth[0], status  # was: (at 2026-12-18 23:59 UTC)
