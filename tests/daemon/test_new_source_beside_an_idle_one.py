"""A daily papers source added beside another of its address (one API asked for yesterday's list
and today's, `day:`) that was last fetched over a week ago: it is new, and begins at its own day
(README: "a source new to the database begins at its own day, unless another source of its address
... asked for a day of that week"). Before, the catch-up took the other source's last fetch for its
own (fetch_records.url_fetched: the fetch of a renamed source, by its url): it asked for the whole
week and said "today: not fetched since 2026-12-01 06:00 UTC, over a week ago", of a source never
fetched. The other source, fetched next, says its own stop. Real `digest fetch` under libfaketime,
a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.days_asked import noting_days, source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_a_source_added_beside_one_idle_for_over_a_week_begins_at_its_own_day(workspace):
    asked: list[str] = []
    api = noting_days(asked)
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        ws.config_path.write_text(text + "sources:\n" + source("hf_daily", url))
        digest_at(ws, "fetch", at=at(1, 6, 0))  # November 30th's; then nothing until the 13th
        ws.config_path.write_text(
            text + "sources:\n" + source("hf_daily", url) + source("today", url, "today")
        )
        asked.clear()
        fetched = digest_at(ws, "fetch", "--source", "today", at=at(13, 6, 0))
        # before: 2026-12-06 to 2026-12-13, and "today: not fetched since 2026-12-01 06:00 UTC, ..."
        assert asked == ["2026-12-13"], asked
        assert "not fetched since" not in fetched.stderr, fetched.stderr
        assert fetched.stdout == "today: 2 papers of 2026-12-13: 2 new, 0 known\n", fetched.stdout
        asked.clear()
        other = digest_at(ws, "fetch", "--source", "hf_daily", at=at(13, 6, 5))
    assert asked == [f"2026-12-{d:02}" for d in range(5, 13)], asked  # its week, then its own day
    assert (
        "hf_daily: not fetched since 2026-12-01 06:00 UTC, over a week ago: the daily papers of "
        "2026-12-01 to 2026-12-04 were never asked for and are not asked for now"
    ) in other.stderr, other.stderr
