"""Two daily papers sources of one API (`day: yesterday` and `day: today`), `yesterday` fetched alone
the day after both were: it asks for the list `today` asked for, and its fetch takes the address's
record (one a url). Before, `digest status` said "Source today: never fetched" of a source fetched
the day before; now the list it asked for, and whose fetch of that address is the record (its own
fetch's time is not kept). Real `digest fetch` and `digest status` under libfaketime, a loopback API,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.days_asked import source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def test_status_says_the_list_a_source_asked_for_once_another_took_its_record(workspace):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = source("yesterday", url, "yesterday") + source("today", url, "today")
        ws.config_path.write_text(text + "sources:\n" + sources)
        digest_at(ws, "fetch", at=at(1, 6, 0))  # November 30th's and December 1st's
        digest_at(ws, "fetch", "--source", "yesterday", at=at(2, 6, 0))  # December 1st's again
    status = digest_at(ws, "status", at=at(2, 7, 0)).stdout
    assert "Source today: never fetched" not in status, status
    assert (
        "Source today: asked for the list of 2026-12-01 (when, and what came, is not kept: "
        "yesterday asked for it since, at 2026-12-02 06:00 UTC)\n"
    ) in status, status
    assert "Source yesterday: fetched at 2026-12-02 06:00 UTC: 2 papers of 2026-12-01" in status, status


def test_status_does_not_say_fetched_of_a_list_whose_ask_failed_before_it_was_taken(workspace):
    """`today`'s ask of the 1st's list failed (500), `yesterday`'s on the 2nd took its record: before,
    "Source today: fetched the list of 2026-12-01" of a source that never got it."""
    failing = {"2026-12-01"}

    def api(query: dict[str, str]) -> Route:
        return Route(b"down", status=500) if query.get("date") in failing else Route(graph_page(query))

    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = source("yesterday", url, "yesterday") + source("today", url, "today")
        ws.config_path.write_text(text + "sources:\n" + sources)
        digest_at(ws, "fetch", at=at(1, 6, 0), code=1)  # November 30th's; December 1st's failed
        failing.clear()
        digest_at(ws, "fetch", "--source", "yesterday", at=at(2, 6, 0))  # December 1st's, got
    status = digest_at(ws, "status", at=at(2, 7, 0)).stdout
    assert "Source today: fetched" not in status, status
    asked = "Source today: asked for the list of 2026-12-01 (when, and what came, is not kept: "
    assert asked in status, status
