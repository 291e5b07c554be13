"""`digest status` on a failed day held back by an older one that fails too (an outage: once one
day fails in a fetch, the others that failed before wait for the next, digest.ingest.fetch_all):
it is asked again once that older day answers, said by its date ("once 2026-12-09 answers"; of
several, "once the days before it answer"), or, if it never does, from the day after its last ask,
as it leaves the week. Before, it said only "asked again at each fetch once the days before it
answer, until a week old (the last on 2026-12-18)" (the plural then said of one day too), on the
17th, while the older day was asked for the last time that day: the later one is asked on the 18th
whatever the older one answered. Real `digest fetch` and `digest status` commands at chosen
moments, a loopback API shaped like the real one that fails the 9th and the 10th (a 404: not the
server's failure, as a 503 is, which stops a catch-up at its first day:
test_catch_up_stops_when_the_server_fails)."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def _at(workspace, monkeypatch, module: str, day: int, hour: int = 6) -> str:
    at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda: at)
    return workspace.cli(module).output


def ninth_and_tenth_fail(query: dict[str, str]) -> Route:
    if query["date"] in ("2026-12-09", "2026-12-10"):
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def test_a_day_held_back_by_one_asked_for_the_last_time_today_is_asked_tomorrow_whatever_it_answers(
    workspace, monkeypatch
):
    with LocalHttpServer({"/api/daily_papers": ninth_and_tenth_fail}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        for day in (10, 11, 17):  # the 9th fails, then the 10th; on the 17th the 9th's last day
            _at(workspace, monkeypatch, "fetch", day)
        shown = _at(workspace, monkeypatch, "status", 17, 7)
        lines = [line for line in shown.splitlines() if line.startswith("  and the daily papers of")]
        assert [line.split(" FAILED")[0] for line in lines] == [
            "  and the daily papers of 2026-12-09",
            "  and the daily papers of 2026-12-10",
        ], shown
        assert lines[0].endswith("; a week old: not asked for again after today"), shown
        assert lines[1].endswith(
            "; asked again at each fetch once 2026-12-09 answers or, that day a week old, from 2026-12-18, "
            "until a week old (the last on 2026-12-18)"
        ), shown
        asked = _at(workspace, monkeypatch, "fetch", 18)  # the 9th gone from the week: the 10th asked
    assert "2026-12-10&limit=100&p=0: HTTP 404 Not Found" in asked, asked
    assert "config.yaml; a week old, the oldest day caught up on: not asked for again after today" in asked, (
        asked
    )
