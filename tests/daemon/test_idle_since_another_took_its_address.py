"""Two daily papers sources of one API (`day: yesterday` and `day: today`): `yesterday`, fetched
alone on the 2nd, asks for the list `today` asked for on the 1st, and its fetch takes the address's
record (one a url). `today`, idle until the 13th, says its stop: before, with `yesterday`'s time,
"today: not fetched since 2026-12-02 06:00 UTC", of a source last fetched on the 1st; now with the
day it asked for (its own fetch's time is not kept: missed_days.last_fetched). Real `digest fetch`
under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.days_asked import noting_days, source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_a_stop_is_not_said_from_another_sources_later_fetch_of_its_address(workspace):
    asked: list[str] = []

    api = noting_days(asked)

    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = source("yesterday", url, "yesterday") + source("today", url, "today")
        ws.config_path.write_text(text + "sources:\n" + sources)
        digest_at(ws, "fetch", at=at(1, 6, 0))  # November 30th's and December 1st's
        digest_at(ws, "fetch", "--source", "yesterday", at=at(2, 6, 0))  # December 1st's again
        asked.clear()
        fetched = digest_at(ws, "fetch", "--source", "today", at=at(13, 6, 0))
    assert asked == [f"2026-12-{d:02}" for d in range(6, 14)], asked  # its week, then its own day
    assert "2026-12-02 06:00" not in fetched.stderr, fetched.stderr  # yesterday's fetch, not its own
    assert (
        "today: not fetched since it asked for the list of 2026-12-01, over a week ago: the daily "
        "papers of 2026-12-02 to 2026-12-04 were never asked for and are not asked for now"
    ) in fetched.stderr, fetched.stderr
