"""Two daily papers sources of one API (`day: today` and `day: yesterday`): `yesterday`, fetched
alone the day after both were, asks for the list `today` asked for and takes the address's record
(one a url); then `yesterday` is renamed, or removed from the config. Before, `digest status` said
"Source today: fetched at 2026-12-02 06:30 UTC: 2 papers of 2026-12-01", the other's fetch said its
own (its record held by `today`'s url, of a name the config no longer has); now the list it asked
for, and whose fetch took its record, as while `yesterday` was named so. Real `digest fetch` and
`digest status` under libfaketime, a loopback API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.daily_papers import graph_page
from helpers.days_asked import source
from helpers.faked import at, digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


@pytest.mark.parametrize("other", ["y2", None])  # yesterday renamed y2, or removed
def test_status_says_a_taken_record_once_its_taker_is_renamed_or_removed(workspace, other):
    ws, text = workspace, workspace.config_path.read_text()
    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        ws.config_path.write_text(
            text + "sources:\n" + source("today", url, "today") + source("yesterday", url, "yesterday")
        )
        digest_at(ws, "fetch", at=at(1, 6, 0))  # December 1st's and November 30th's
        digest_at(ws, "fetch", "--source", "yesterday", at=at(2, 6, 30))  # December 1st's again
        renamed = source(other, url, "yesterday") if other else ""
        ws.config_path.write_text(text + "sources:\n" + source("today", url, "today") + renamed)
    status = digest_at(ws, "status", at=at(2, 7, 0)).stdout
    assert "Source today: fetched at" not in status, status  # yesterday's fetch, not its own
    assert (
        "Source today: asked for the list of 2026-12-01 (when, and what came, is not kept: "
        "yesterday asked for it since, at 2026-12-02 06:30 UTC)\n"
    ) in status, status
    if other:  # the renamed source keeps its own record
        assert "Source y2: fetched at 2026-12-02 06:30 UTC: 2 papers of 2026-12-01" in status, status
