"""A daily papers source back after a long stop catches up on the week it missed, oldest day
first; when the server fails one of those days (no answer in time, no connection, a 5xx), the
catch-up stops there: the days after it are not asked for now, each at the cost of its tries'
timeouts (on a silent server, eight days of 4 x 30 s and the waits between: about 18 minutes
for one `digest fetch`, where README says a failing source holds a pass for its tries alone),
but at the next fetch, and the line of the day that failed says which. None of them is lost: each
is recorded as a day whose fetch failed, asked for at each fetch until a week old, even once a
later day was asked for (else a day never asked for older than the last asked is not asked
again). Before, every day of the week was asked for, one failure after another. Real `digest
fetch` commands at chosen moments and a loopback API shaped like the real one."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.hf_days import at, hf_source

from digest.demo.http_server import Route

pytestmark = pytest.mark.backends  # the days left are recorded (missed_days.leave): on either database


def test_the_catch_up_stops_at_the_first_day_the_server_fails_and_the_rest_come_later(workspace, monkeypatch):
    down, asked = [False], []

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        return Route(b"busy", status=503, content_type="text/plain") if down[0] else Route(graph_page(query))

    with hf_source(workspace, api):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th; then nothing until the 19th, the API down
        down[0] = True
        asked.clear()
        shown = at(workspace, monkeypatch, "fetch", 19)
        # before: the 11th to the 17th, then the 18th: eight failures, a timeout each on a silent server
        assert asked == ["2026-12-11", "2026-12-18"], asked
        assert (
            "2026-12-11&limit=100&p=0: HTTP 503 Service Unavailable (after 1 attempt); a week old, the "
            "oldest day caught up on: not asked for again after today; the server failing, the catch-up "
            "stops: the daily papers of 2026-12-12 to 2026-12-17 are not asked for now: `digest status` "
            "says when"
        ) in shown, shown
        down[0] = False
        asked.clear()
        shown = at(workspace, monkeypatch, "fetch", 20)  # the 11th a week old: out of the week looked back at
    assert asked == [f"2026-12-{d}" for d in range(12, 20)], asked  # none lost: the 12th to the 17th too
    assert "hf_daily: 2 papers of 2026-12-12: 2 new, 0 known" in shown, shown


@pytest.mark.parametrize("page", ["0", "1"])
def test_a_5xx_not_tried_again_stops_the_catch_up_too(workspace, monkeypatch, page):
    """A 5xx the fetch does not try again (a CDN's 522, its origin not answering), on the day's first
    page or a later one, is the server's failure as a 503 is: before, every day of the week was
    asked for after it."""
    asked = []

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        broken = query["date"] != "2026-12-09" and query.get("p", "0") == page
        return (
            Route(b"origin timed out", status=522, content_type="text/plain")
            if broken
            else Route(graph_page(query))
        )

    with hf_source(workspace, api):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th; then nothing until the 19th, the CDN's origin down
        asked.clear()
        shown = at(workspace, monkeypatch, "fetch", 19)
    assert asked == ["2026-12-11", "2026-12-18"], asked  # before: the 11th to the 18th
    assert "the catch-up stops: the daily papers of 2026-12-12 to 2026-12-17" in shown, shown
