"""A `day: today` daily papers source in Tokyo fetched at 09:00 (00:00 UTC, the API's day just over)
catches up the day before, asked at 09:00 yesterday before its list was out. That catch-up is
recorded a second before the fetch (ingest.fetch_all.fetch_with_missed: the day's own fetch stays
the source's latest): 23:59:59 UTC, before the day was over as the record read. So the next
morning's fetch asked for that day once more ("hf_daily: 2 papers of 2026-12-10: already ingested,
nothing new"), each morning, though it had been asked once it was over. Real `digest fetch`
commands at chosen moments, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends  # the fetches' records are the store's

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
TOKYO = "timezone: Asia/Tokyo\n"
TODAY = "    day: today\n"


def test_a_day_caught_up_at_utc_midnight_is_not_asked_for_again(workspace, monkeypatch):
    out: set[str] = set()  # the days whose list is out
    asked: list[str] = []

    def api(query: dict[str, str]) -> Route:
        asked.append(query["date"]) if query.get("p", "0") == "0" else None
        return Route(graph_page(query)) if query["date"] in out else Route(b"[]")

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + TOKYO + HF.replace("{base}", server.url("")) + TODAY
        )
        for day in (10, 11, 12):  # 09:00 in Tokyo each morning: the day before's list out by then
            out.add(f"2026-12-{day - 1}")
            at = dt.datetime(2026, 12, day, 0, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module("digest.cli.fetch"), "now_utc", lambda at=at: at)
            asked.clear()
            said.append(workspace.cli("fetch").output)
    assert "hf_daily: 2 papers of 2026-12-10: 2 new, 0 known" in said[1], said[1]  # caught up, over
    # before: ["2026-12-10", "2026-12-11", "2026-12-12"], "2 papers of 2026-12-10: already ingested"
    assert asked == ["2026-12-11", "2026-12-12"], said[2]
    assert "2026-12-10" not in said[2], said[2]
