"""`digest status`'s "Last ingest" line names the listing a fetch stored last, and when. A `day:
today` source fetched at 06:00 finds its own day not out yet and catches up the day before, now
over, whose papers come; that catch-up is recorded a second before the fetch (ingest.fetch_all.
fetch_with_missed: the day's own fetch stays the source's latest), so status said "Last ingest:
fetch-hf_daily-2026-12-10-20261211T055959.json (listing of 2026-12-10) at 2026-12-11 05:59 UTC"
above "Source hf_daily: no listing (nothing new) at 2026-12-11 06:00 UTC": an ingest a minute
before the fetch that brought it; then "at 06:00", its file still named "...T055959.json", a second
before the fetch the user ran. Real `digest fetch` and `digest status` commands at chosen
moments, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends  # the listings and fetches are the store's

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
TODAY = "    day: today\n"


def test_a_listing_a_catch_up_stored_is_said_ingested_at_its_fetch_s_time(workspace, monkeypatch):
    out = set()  # the days whose list is out

    def api(query: dict[str, str]) -> Route:
        return Route(graph_page(query)) if query["date"] in out else Route(b"[]")

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url("")) + TODAY
        )
        for module, day, hour in (("fetch", 10, 6), ("fetch", 11, 6), ("status", 11, 7)):
            out.add("2026-12-10") if day == 11 else None  # out by the 11th, the 11th's not yet
            at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            said.append(workspace.cli(module).output)
    assert "hf_daily: 2 papers of 2026-12-10: 2 new, 0 known" in said[1], said[1]  # the catch-up at 06:00
    lines = said[2].splitlines()
    source = next(line for line in lines if line.startswith("Source hf_daily:"))
    assert source.startswith("Source hf_daily: no listing (nothing new) at 2026-12-11 06:00 UTC: "), said[2]
    ingest = next(line for line in lines if line.startswith("Last ingest:"))
    # the file named at the fetch's time too: before, "fetch-hf_daily-2026-12-10-20261211T055959.json"
    assert ingest.startswith("Last ingest: fetch-hf_daily-2026-12-10-20261211T060000.json "), said[2]
    # before: "... (listing of 2026-12-10) at 2026-12-11 05:59 UTC", the catch-up's back-dated second
    assert ingest.endswith(" (listing of 2026-12-10) at 2026-12-11 06:00 UTC"), said[2]
