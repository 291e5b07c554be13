"""A source not fetched for over a week whose next fetch says the days before the week it never asked
for (digest.ingest.lost_days.LOST), one of them loaded by hand while it was not over yet (`digest
ingest` of the day's page as it was at noon: its first papers only): that day is said as a day asked
for and so loaded is (LOST_PART), never asked for and its papers loaded kept. Before, LOST left it out
(a listing of it is stored: they came) and nothing else said it, though the papers listed after the
dump may never have come. Real `digest fetch` and `digest ingest` under libfaketime, a loopback API
shaped like the real one."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches and listings: either database

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
SINCE = "hf_daily: not fetched since 2026-12-01 06:00 UTC, over a week ago: the daily papers of "


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def load_at_noon(workspace, day: int) -> None:
    """`digest ingest` of the day's page as it was at noon that day (a dump made by hand)."""
    page = workspace.root / f"2026-12-{day:02}.json"
    page.write_bytes(graph_page({"date": f"2026-12-{day:02}"}))
    noon = at(day, 12).timestamp()
    os.utime(page, (noon, noon))
    assert "2 new papers" in digest_at(workspace, "ingest", str(page), at=at(day, 12)).stdout


def test_a_day_never_asked_for_loaded_by_hand_before_it_was_over_is_said_in_part(workspace):
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(1, 6))  # of the 30th; then none until the 20th
        load_at_noon(workspace, 5)  # during the 5th: its first papers
        load_at_noon(workspace, 8)
        done = digest_at(workspace, "fetch", at=at(20, 6))
    said = [line.split(" WARNING digest.ingest.missed_days: ", 1)[1] for line in done.stderr.splitlines()]
    assert said == [
        SINCE + "2026-12-05, 2026-12-08, loaded by hand before they were over, were never asked for and are "
        "not asked for now (a week back at most): the papers loaded kept (their lists may have grown since)",
        SINCE + "2026-12-01 to 2026-12-04, 2026-12-06, 2026-12-07, 2026-12-09 to 2026-12-11 were never asked "
        "for and are not asked for now (a week back at most): their papers never came",
    ], done.stderr  # before: the second line alone
