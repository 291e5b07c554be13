"""Two daily papers sources of one API (`day: today` and `day: yesterday`): `today`, fetched alone at
06:00 on the 2nd (the 2nd's list), then `yesterday` at 06:30 (the 1st's, `today`'s record of the
day before taken). `today`, idle until the 13th, says its stop from its own fetch on the 2nd: before,
"today: not fetched since it asked for the list of 2026-12-01", the taken record being the latest of
its addresses' (missed_days.last_fetched), of a source whose own record, kept, asked for the 2nd.
Real `digest fetch` under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.days_asked import source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_a_stop_is_said_from_its_own_later_fetch_not_a_taken_record(workspace):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = source("today", url, "today") + source("yesterday", url, "yesterday")
        ws.config_path.write_text(text + "sources:\n" + sources)
        digest_at(ws, "fetch", at=at(1, 6, 0))  # December 1st's and November 30th's
        digest_at(ws, "fetch", "--source", "today", at=at(2, 6, 0))  # December 2nd's
        digest_at(ws, "fetch", "--source", "yesterday", at=at(2, 6, 30))  # December 1st's: today's record
        fetched = digest_at(ws, "fetch", "--source", "today", at=at(13, 6, 0))
    assert "it asked for the list of 2026-12-01" not in fetched.stderr, fetched.stderr
    assert (
        "today: not fetched since 2026-12-02 06:00 UTC, over a week ago: the daily papers of "
        "2026-12-03, 2026-12-04 were never asked for and are not asked for now"
    ) in fetched.stderr, fetched.stderr
