"""A `day: today` daily papers day asked for while its page was filling (its answer held papers,
which are stored), then asked once more after the day was over (digest.ingest.missed_days), and
that second ask failed (a 503): the day had papers and keeps them. The fetch says the failure and
that the day is not asked for again; `digest status` says no failed day. Before, it became a
failed day like one whose papers never came: "and the daily papers of 2026-12-10 FAILED at
2026-12-11 06:00 UTC: ...; asked again at each fetch until a week old (the last on 2026-12-17)",
asked again at every fetch for a week. (A day whose answer held none, not out yet, is still a
failed day: tests/daemon/test_today_not_out_failed_again.py.) Real `digest fetch` and `digest
status` commands at chosen moments, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    day: today\n"
HF += "    retries: 0\n"


def test_a_day_with_papers_whose_second_ask_failed_keeps_them_and_is_not_asked_again(workspace, monkeypatch):
    asked: list[str] = []
    down = {"2026-12-10": False}

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        if down.get(query["date"]):
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(graph_page(query))

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        for day, hour, module in ((10, 10, "fetch"), (11, 6, "fetch"), (11, 7, "status"), (11, 8, "fetch")):
            down["2026-12-10"] = day == 11  # the 10th's page answered on the day, 503 after it
            at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            said.append(workspace.cli(module).output)
    assert "hf_daily: 2 papers of 2026-12-10: 2 new, 0 known" in said[0], said
    assert (
        "2026-12-10&limit=100&p=0: HTTP 503 Service Unavailable (after 1 attempt); the papers of its earlier "
        "answer kept (its list may have grown since): not asked for again\n"
    ) in said[1], said
    assert "FAILED" not in said[2] and "and the daily papers of" not in said[2], said[2]
    assert asked == ["2026-12-10", "2026-12-10", "2026-12-11", "2026-12-11"], asked  # not the 10th at 08:00
