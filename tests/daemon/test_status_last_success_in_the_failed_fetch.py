"""`digest status` says when a source last succeeded beside a last fetch that failed. A fetch that
caught up a day before its own records that catch-up a second before it (ingest.fetch_all.
fetch_with_missed: the day's own fetch stays the source's latest), so a catch-up that went well in
the fetch whose own day then failed was said "(last success 2026-12-11 05:59 UTC)" under "FETCH
FAILED at 2026-12-11 06:00 UTC": a success a minute before, of another fetch, as the operator reads
it. Real `digest fetch` and `digest status` commands at chosen moments, a loopback API shaped like
the real one."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import as_the_api_sends

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends  # the fetches' records are the store's

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def test_a_catch_up_that_went_well_in_the_failed_fetch_is_said_at_that_fetch_s_time(workspace, monkeypatch):
    def api(query: dict[str, str]) -> Route:
        if query["date"] == "2026-12-10":  # Thursday's list: the API fails it on Friday
            return Route(b"busy", status=503, content_type="text/plain")
        day = dt.date.fromisoformat(query["date"])
        titles = [f"Graph topic {day.day} one", f"Graph topic {day.day} two"]
        first_page = as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day)
        return Route(first_page if query.get("p", "0") == "0" else b"[]")

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        for module, day, hour in (("fetch", 9, 6), ("fetch", 11, 6), ("status", 11, 7)):
            at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)  # Thursday: nothing ran
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            said.append(workspace.cli(module).output)
    assert "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known" in said[1], said[1]  # caught up at 06:00
    line = next(line for line in said[2].splitlines() if line.startswith("Source hf_daily:"))
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-11 06:00 UTC: "), said[2]
    # before: "(last success 2026-12-11 05:59 UTC)", the catch-up's record a second before the fetch
    assert line.endswith(" (last success 2026-12-11 06:00 UTC)"), said[2]
