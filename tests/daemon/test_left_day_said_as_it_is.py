"""A day a stopped catch-up left (the server failing the day before it: missed_days.leave) is
shown by `digest status` as what it is at each moment: left at the last fetch that stopped, at the
day it stopped. When the server fails again at the next fetch, the days still left are left by that
fetch, at its day: before, their line kept the first stop's words, "not asked for: the catch-up
stopped at 2026-12-11, the server failing; asked for at the next fetch", though that next fetch had
come and not asked for them, and had stopped at the 12th. A day asked for before keeps what its
own fetch said. Real `digest fetch` and `digest status` commands at chosen moments, a loopback API
shaped like the real one, on either database."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends  # the days left are recorded (missed_days.leave): on either database

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def test_a_day_left_again_is_said_left_by_the_last_stop(workspace, monkeypatch):
    down = [False]

    def api(query: dict[str, str]) -> Route:
        return Route(b"busy", status=503, content_type="text/plain") if down[0] else Route(graph_page(query))

    def at(command: str, day: int, hour: int = 6) -> str:
        moment = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(importlib.import_module(f"digest.cli.{command}"), "now_utc", lambda: moment)
        return workspace.cli(command).output

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        at("fetch", 10)  # the 9th; then nothing until the 19th, the API down
        down[0] = True
        first = at("fetch", 19)  # stops at the 11th: the 12th to the 17th left
        shown = at("fetch", 20)  # stops at the 12th: the 13th to the 18th left (the 18th asked on the 19th)
        status = at("status", 20, 7)
    # each left day waits for those before it, and the 12th failed again at the 20th: not "asked for at
    # the next fetch", as the 19th said before
    left = "the daily papers of 2026-12-{} are not asked for now: `digest status` says when"
    assert left.format("12 to 2026-12-17") in first, first
    assert left.format("13 to 2026-12-18") in shown, shown
    assert "asked for at the next fetch;" not in status, status  # before: each left day's line, stale
    assert (
        "the daily papers of 2026-12-13 not asked for: the catch-up stopped at 2026-12-12, the server "
        "failing (at 2026-12-20 06:00 UTC); asked for at each fetch"
    ) in status, status
    # the 18th, asked for on the 19th, keeps what its fetch said
    assert "the daily papers of 2026-12-18 FAILED at 2026-12-19 06:00 UTC: http://" in status, status
