"""A day of a daily papers source's week that no source of its address ever asked for, older than
the last day asked: asked for at the source's next fetch. Two sources of one API (README, `day:`):
`yesterday` last fetched on the 10th (the 9th's list), `today` added beside it and first fetched on
the 19th, over a week later: it asks for its week, the 12th to the 18th, and says the days before
it lost to itself. The 11th is still in `yesterday`'s week (the 11th to the 17th), never asked for
by either; before, `yesterday`'s catch-up took it for fetched (the days after it were) and its
papers reached no one, nothing said of it by the source whose week it was. Real `digest fetch`
under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def _sources(base: str, *names: str) -> str:
    url = f"{base}/api/daily_papers?date={{date}}"
    day = {"yesterday": "", "today": "    day: today\n"}
    listed = (f"  - kind: hf_daily\n    name: {n}\n{day[n]}    url: {url}\n    retries: 0\n" for n in names)
    return "sources:\n" + "".join(listed)


def test_a_day_of_the_week_no_source_of_its_address_asked_for_is_asked_for(workspace):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        ws.config_path.write_text(text + _sources(server.url(""), "yesterday"))
        digest_at(ws, "fetch", at=at(10, 6))  # the 9th's list
        ws.config_path.write_text(text + _sources(server.url(""), "today", "yesterday"))
        fetched = digest_at(ws, "fetch", at=at(19, 6)).stdout
        asked = [r.path for r in server.requests if "p=0" in r.path]
    # today: the 12th to the 19th; yesterday: the 18th is asked already
    assert "today: 2 papers of 2026-12-12: 2 new, 0 known" in fetched, fetched
    # before: not asked, nothing said ("yesterday: 2 papers of 2026-12-18: already ingested" only)
    assert "yesterday: 2 papers of 2026-12-11: 2 new, 0 known" in fetched, fetched
    assert sum("date=2026-12-11&" in path for path in asked) == 1, asked
    assert not any("date=2026-12-10&" in path for path in asked), asked  # out of both weeks


def test_a_source_does_not_ask_for_the_days_before_its_address_was_first_asked_for(workspace):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        ws.config_path.write_text(text + _sources(server.url(""), "yesterday"))
        digest_at(ws, "fetch", at=at(13, 6))  # a new source: the 12th's list only
        fetched = digest_at(ws, "fetch", at=at(16, 6)).stdout  # the 13th and 14th missed, then the 15th
        asked = sorted({r.path.split("date=")[1][:10] for r in server.requests})
    assert asked == ["2026-12-12", "2026-12-13", "2026-12-14", "2026-12-15"], (asked, fetched)
