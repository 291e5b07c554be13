"""A `day: today` source asked for its day before the list was out (06:00 UTC: no papers), whose
papers the operator then loaded by hand that day (`digest ingest` of the day's page), then not
fetched for over a week: the papers came, and neither `digest status` nor the next fetch says
they never did. Before, the fetch said nothing of the day (a listing of it is stored: they came)
but `digest status` said "and the daily papers of 2026-12-10, asked for before they were over and
not out yet (the fetch above): over a week old, not asked for again since 2026-12-18: its papers
never came", its "Last ingest" line naming that very listing. A day whose answer held papers (its
list filling) is said as before while its whole list is not stored: the papers listed after it may
never have come (test_stopped_after_a_failed_day). A dump loaded before the day was over may hold
only its first papers: both say that (before, nothing at all), as of a day whose fetch failed and
whose dump was loaded so (neither "never came" nor a whole list). Real `digest fetch`, `digest ingest` and
`digest status` under libfaketime, a loopback API shaped like the real one."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches and listings: either database

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
TODAY = "    day: today\n"


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def test_a_day_not_out_when_asked_whose_papers_were_loaded_by_hand_is_not_said_never_to_have_come(workspace):
    not_out = [True]

    def api(query: dict[str, str]) -> Route:
        return Route(b"[]") if not_out[0] and query["date"] == "2026-12-10" else Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url("")) + TODAY
        )
        asked = digest_at(workspace, "fetch", at=at(10, 6))
        assert "no papers in the hf_daily listing of 2026-12-10" in asked.stdout, asked.stdout
        page = workspace.root / "2026-12-10.json"  # the day's page as it was at noon, loaded by hand
        page.write_bytes(graph_page({"date": "2026-12-10"}))
        noon = at(10, 12).timestamp()
        os.utime(page, (noon, noon))
        loaded = digest_at(workspace, "ingest", str(page), at=at(10, 12))
        assert "2 new papers" in loaded.stdout, loaded.stdout
        not_out[0] = False
        status = digest_at(workspace, "status", at=at(19, 5)).stdout
        fetched = digest_at(workspace, "fetch", at=at(19, 6))
    assert "Last ingest: 2026-12-10.json (listing of 2026-12-10)" in status, status
    assert "never came" not in status, status  # before: "... (the fetch above): ...: its papers never came"
    assert (  # before: nothing
        "  and the daily papers of 2026-12-10, loaded by hand before it was over (the fetch above): over a "
        "week old, not asked for again since 2026-12-18: the papers loaded kept (its list may have grown "
        "since)"
    ) in status.splitlines(), status
    assert (  # before: nothing
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-10, "
        "loaded by hand before it was over, are not asked for again (a week back at most): the papers loaded "
        "kept (its list may have grown since)"
    ) in fetched.stderr, fetched.stderr
    assert "never came" not in fetched.stderr.split("2026-12-11")[0], fetched.stderr


def test_a_failed_day_whose_dump_was_loaded_by_hand_during_it_is_said_in_part(workspace):
    """The fetch of the 10th failed (503); the operator loaded the day's page as it was at noon by hand;
    then no fetch until the 19th. Before, neither `digest status` nor that fetch said a word of it."""
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(b"busy", status=503)}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url("")) + TODAY
        )
        digest_at(workspace, "fetch", at=at(10, 6), code=1)
        page = workspace.root / "2026-12-10.json"
        page.write_bytes(graph_page({"date": "2026-12-10"}))
        digest_at(workspace, "ingest", str(page), at=at(10, 12))
        status = digest_at(workspace, "status", at=at(19, 5)).stdout
        fetched = digest_at(workspace, "fetch", at=at(19, 6), code=1)
    assert (
        "  and the daily papers of 2026-12-10, loaded by hand before it was over (the fetch above): over a "
        "week old, not asked for again since 2026-12-18: the papers loaded kept (its list may have grown "
        "since)"
    ) in status.splitlines(), status
    assert "2026-12-10, loaded by hand before it was over, are not asked for again" in fetched.stderr, (
        fetched.stderr
    )
    assert "2026-12-10, whose fetch failed" not in fetched.stderr, fetched.stderr
