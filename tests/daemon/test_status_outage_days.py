"""`digest status` during an outage of the daily papers API: the days that failed are each shown
under the source's line (digest.daemon.failed_days), but not all of them are asked at the next
fetch: once a day fails in a fetch, the days that failed after it wait (digest.ingest.missed_days:
no storm against an API already down). So only the oldest is said to be asked at each fetch; a
later one is asked once the failed day before it answers, that day named ("once 2026-12-09
answers"; "once the days before it answer" of several), or, that day a week old, from the day
after its last ask. Real `digest fetch` and `digest status` commands at chosen moments, a
loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def test_status_says_a_later_failed_day_waits_for_the_days_before_it(workspace, monkeypatch):
    down = [False]

    def api(query: dict[str, str]) -> Route:
        return Route(b"busy", status=503, content_type="text/plain") if down[0] else Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        config = workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        workspace.config_path.write_text(config)
        for module, day in (("fetch", 9), ("fetch", 10), ("fetch", 11), ("fetch", 12), ("status", 12)):
            at = dt.datetime(2026, 12, day, 6 if module == "fetch" else 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda at=at: at)
            shown = workspace.cli(module).output
            down[0] = True  # the API down from the 10th
    lines = [line for line in shown.splitlines() if line.startswith("  and the daily papers of")]
    assert [line.split(" FAILED")[0] for line in lines] == [
        "  and the daily papers of 2026-12-09",
        "  and the daily papers of 2026-12-10",
    ], shown
    assert lines[0].endswith("; asked again at each fetch until a week old (the last on 2026-12-17)"), shown
    # the 9th is asked for the last time on the 17th: the 10th is not held back after it
    waits = (
        "; asked again at each fetch once 2026-12-09 answers or, that day a week old, from 2026-12-18, "
        "until a week old"
    )
    assert lines[1].endswith(f"{waits} (the last on 2026-12-18)"), shown
