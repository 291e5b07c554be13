"""`digest status` shows a day whose daily papers failed besides the source's last fetch: the
catch-up of a day the daemon was not running that met a 503, say. The source's line is its last
fetch only, the day's own, which went well; without a word of the failed day the operator would
not know a day's papers are missing, nor that they are asked again at each fetch until the day
is a week old (digest.ingest.missed_days). Real `digest fetch` and `digest status` commands at
chosen moments, a loopback API shaped like the real one."""

from __future__ import annotations

from helpers.hf_days import HF, api_failing, at

from digest.demo.http_server import LocalHttpServer


def test_status_says_the_day_whose_catch_up_failed_and_until_when_it_is_asked(workspace, monkeypatch):
    down = {"2026-12-09"}  # Wednesday's list: the API fails when Friday's fetch catches it up
    said = []
    with LocalHttpServer({"/api/daily_papers": api_failing(down)}) as server:
        config = workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        workspace.config_path.write_text(config)
        for module, day, hour in (
            ("fetch", 9, 6),
            ("fetch", 11, 6),
            ("status", 11, 7),
            ("fetch", 11, 8),
        ):
            said.append(at(workspace, monkeypatch, module, day, hour))  # Thursday: nothing ran
            down.clear() if module == "status" else None  # the API answers again after it
        after = workspace.cli("status").output  # at 08:00, after it was caught up
    shown = said[2]  # a catch-up, recorded a second before its day's own fetch, said at that fetch's time
    lines = shown.splitlines()
    source = next(n for n, line in enumerate(lines) if line.startswith("Source hf_daily:"))
    url = server.url("/api/daily_papers?date=2026-12-09&limit=100&p=0")
    assert lines[source : source + 2] == [
        "Source hf_daily: fetched at 2026-12-11 06:00 UTC: 2 papers of 2026-12-10: 2 new, 0 known",
        f"  and the daily papers of 2026-12-09 FAILED at 2026-12-11 06:00 UTC: {url}: HTTP 503 Service "
        "Unavailable (after 1 attempt); asked again at each fetch until a week old (the last on 2026-12-17)",
    ], shown
    assert "FAILED" not in after and "2 papers of 2026-12-09" in said[3], after  # caught up at 08:00
