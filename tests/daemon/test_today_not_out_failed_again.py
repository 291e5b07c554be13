"""A `day: today` daily papers day asked for before its page was out (an empty answer, a success
of its own), then asked once more after the day was over (digest.ingest.missed_days), and that
second ask failed (a 503): the day's papers never came, so it is a failed day like any other
whose catch-up failed, asked again at the next fetch for a week (and said by `digest status`),
not a day got: its empty morning answer is no answer of the day. Real `digest fetch` and `digest
status` commands at chosen moments, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    day: today\n"
HF += "    retries: 0\n"


def test_a_day_not_out_whose_second_ask_failed_is_asked_again(workspace, monkeypatch):
    answer = {"2026-12-09": b"[]"}  # Wednesday's page not out at 09:00 that day

    def api(query: dict[str, str]) -> Route:
        got = answer.get(query["date"])
        if got == b"503":
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(got if got is not None and query.get("p", "0") == "0" else graph_page(query))

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        for day, module in ((8, "fetch"), (9, "fetch"), (11, "fetch"), (11, "status"), (12, "fetch")):
            answer["2026-12-09"] = {8: b"[]", 9: b"[]", 11: b"503", 12: None}[day]
            at = dt.datetime(2026, 12, day, 9 if module == "fetch" else 10, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            said.append(workspace.cli(module).output.strip())
    assert said[1].splitlines()[-1].startswith("hf_daily: empty: no papers"), said  # nothing ran till Friday
    assert "date=2026-12-09" in said[2] and "503" in said[2], said[2]  # asked once more: it failed
    assert "  and the daily papers of 2026-12-09 FAILED at 2026-12-11 09:00 UTC" in said[3], said[3]
    assert said[4].splitlines()[0] == "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known", said[4]
