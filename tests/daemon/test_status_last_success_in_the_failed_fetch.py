"""`digest status` says when a source last succeeded beside a last fetch that failed. A fetch that
caught up a day before its own records that catch-up a second before it (ingest.fetch_all.
fetch_with_missed: the day's own fetch stays the source's latest), so a catch-up that went well in
the fetch whose own day then failed was said "(last success 2026-12-11 05:59 UTC)" under "FETCH
FAILED at 2026-12-11 06:00 UTC": a success a minute before, of another fetch, as the operator reads
it. Real `digest fetch` and `digest status` commands at chosen moments, a loopback API shaped like
the real one."""

from __future__ import annotations

import pytest
from helpers.hf_days import HF, api_failing, at

from digest.demo.http_server import LocalHttpServer

pytestmark = pytest.mark.backends  # the fetches' records are the store's


def test_a_catch_up_that_went_well_in_the_failed_fetch_is_said_at_that_fetch_s_time(workspace, monkeypatch):
    api = api_failing({"2026-12-10"})  # Thursday's list: the API fails it on Friday
    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        for module, day, hour in (("fetch", 9, 6), ("fetch", 11, 6), ("status", 11, 7)):
            said.append(at(workspace, monkeypatch, module, day, hour))  # Thursday: nothing ran
    assert "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known" in said[1], said[1]  # caught up at 06:00
    line = next(line for line in said[2].splitlines() if line.startswith("Source hf_daily:"))
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-11 06:00 UTC: "), said[2]
    # before: "(last success 2026-12-11 05:59 UTC)", the catch-up's record a second before the fetch
    assert line.endswith(" (last success 2026-12-11 06:00 UTC)"), said[2]
