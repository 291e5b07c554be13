"""Two daily papers sources of one API (`day: today` above `day: yesterday` in the config), both
idle from the 1st to the 13th: `digest fetch` asks for `today`'s week, then `yesterday`'s, whose
week reaches a day further back (the 5th). `today` does not say that day lost: before, "today: not
fetched since 2026-12-01 06:00 UTC, over a week ago: the daily papers of 2026-12-02 to 2026-12-05
were never asked for and are not asked for now ...: their papers never came", and `yesterday` asked
for the 5th next, in the same run. Real `digest fetch` under libfaketime, a loopback API, on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.days_asked import noting_days, source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_a_day_the_other_source_of_its_address_asks_for_is_not_said_lost(workspace):
    asked: list[str] = []

    api = noting_days(asked)

    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = source("today", url, "today") + source("yesterday", url, "yesterday")
        ws.config_path.write_text(text + "sources:\n" + sources)
        digest_at(ws, "fetch", at=at(1, 6, 0))  # December 1st's and November 30th's
        asked.clear()
        fetched = digest_at(ws, "fetch", at=at(13, 6, 0))
    assert "2026-12-05" in asked, asked  # by yesterday, after today's fetches
    assert "2026-12-02 to 2026-12-05" not in fetched.stderr, fetched.stderr
    for name in ("today", "yesterday"):
        assert (
            f"{name}: not fetched since 2026-12-01 06:00 UTC, over a week ago: the daily papers of "
            "2026-12-02 to 2026-12-04 were never asked for and are not asked for now"
        ) in fetched.stderr, fetched.stderr
