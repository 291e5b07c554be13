"""`digest status` on a failed day a catch-up asked for at a fetch before the source's last, held back
at the last one (an older failed day asked first failed again: ingest.fetch_all.fetch_with_missed),
says it failed at the time of the fetch that asked for it, as it says one the last fetch asked for
(failed_days.made_at): the catch-ups of a fetch are recorded a second apart before it, so status said
"FAILED at 2026-12-12 05:59 UTC" of a fetch run at 06:00. Real `digest fetch` and `digest status`
commands at chosen moments, a loopback API shaped like the real one that fails the 9th and the 10th."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.hf_days import at, hf_source

from digest.demo.http_server import Route

pytestmark = pytest.mark.backends  # the fetches are the store's


def ninth_and_tenth_fail(query: dict[str, str]) -> Route:
    if query["date"] in ("2026-12-09", "2026-12-10"):
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def test_a_held_back_day_is_said_failed_at_the_time_of_the_fetch_that_asked_for_it(workspace, monkeypatch):
    with hf_source(workspace, ninth_and_tenth_fail):
        # the 8th; nothing until the 12th, whose fetch asks for the 9th and the 10th (both fail), then
        # the 13th's for the 9th first: it fails again, the 10th waits
        for module, day, hour in (("fetch", 9, 6), ("fetch", 12, 6), ("fetch", 13, 6), ("status", 13, 7)):
            shown = at(workspace, monkeypatch, module, day, hour)
    lines = [line for line in shown.splitlines() if line.startswith("  and the daily papers of")]
    assert [line.split(": http")[0] for line in lines] == [
        "  and the daily papers of 2026-12-09 FAILED at 2026-12-13 06:00 UTC",  # the last fetch's
        # before: "... FAILED at 2026-12-12 05:59 UTC", its catch-up's record a second before the fetch
        "  and the daily papers of 2026-12-10 FAILED at 2026-12-12 06:00 UTC",
    ], shown


def eleventh_and_twelfth_fail(query: dict[str, str]) -> Route:
    if query["date"] in ("2026-12-11", "2026-12-12"):
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def test_a_catch_up_s_listing_of_a_fetch_before_the_last_is_said_at_its_file_s_time(workspace, monkeypatch):
    """The last listing stored, a catch-up's of the fetch before the last (the 12th's: the 10th came,
    its own day failed, asked again by the 13th's, which failed too: no record of that fetch's time
    left but its file's name): said at that fetch's time, as its file's name says it. Before: "Last
    ingest: fetch-hf_daily-2026-12-10-20261212T060000.json (listing of 2026-12-10) at 2026-12-12 05:59
    UTC", the name and the time a minute apart."""
    with hf_source(workspace, eleventh_and_twelfth_fail):
        for module, day, hour in (("fetch", 9, 6), ("fetch", 12, 6), ("fetch", 13, 6), ("status", 13, 7)):
            shown = at(workspace, monkeypatch, module, day, hour)
    assert shown.splitlines()[0] == (
        "Last ingest: fetch-hf_daily-2026-12-10-20261212T060000.json (listing of 2026-12-10) "
        "at 2026-12-12 06:00 UTC"
    ), shown
