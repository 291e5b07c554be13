"""An outage of the daily papers API: every fetch fails, day after day. Each day that failed is
asked again at the source's next fetches (digest.ingest.missed_days), but not all of them at every
fetch: once one day's fetch fails in a fetch, the other days that failed before wait for the next
one, so a fetch during an outage asks for two days (the oldest failed, and its own), however long
the outage has lasted, and the daemon does not add a storm of requests to an API already down.
When the API answers again, one fetch brings every day of the week it missed. Real `digest
fetch` commands at chosen days, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import as_the_api_sends

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def test_an_outage_costs_two_requests_a_fetch_and_its_days_come_when_it_ends(workspace, monkeypatch):
    down = [True]

    def api(query: dict[str, str]) -> Route:
        if down[0]:
            return Route(b"busy", status=503, content_type="text/plain")
        day = dt.date.fromisoformat(query["date"])
        titles = [f"Graph topic {day.day} one", f"Graph topic {day.day} two"]
        first_page = as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day)
        return Route(first_page if query.get("p", "0") == "0" else b"[]")

    asked, said = [], []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        config = workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        workspace.config_path.write_text(config)
        clock = importlib.import_module("digest.cli.fetch")
        for day in (5, 6, 7, 8, 9, 10, 11, 11):  # the API down from the 6th to the first fetch of the 11th
            at = dt.datetime(2026, 12, day, 6 if len(said) < 7 else 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(clock, "now_utc", lambda at=at: at)
            down[0] = day >= 6 and len(said) < 7
            before = len(server.requests)
            said.append(workspace.cli("fetch").output.strip())
            asked.append(len(server.requests) - before)
    assert asked[:7] == [2, 1, 2, 2, 2, 2, 2], (asked, said)  # the first: its day's two pages
    assert said[7].splitlines() == [
        f"hf_daily: 2 papers of 2026-12-{d:02d}: 2 new, 0 known" for d in (5, 6, 7, 8, 9, 10)
    ], said
