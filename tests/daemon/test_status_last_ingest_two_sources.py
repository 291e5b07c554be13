"""`digest status`'s "Last ingest" names the listing stored last. With two daily papers sources
(`hf_daily` and a mirror of the API beside it), one `digest fetch` stores hf_daily's days, then the
mirror's catch-ups (each recorded a second apart before the fetch: ingest.fetch_all.
fetch_with_missed), its own day failing: before, status named hf_daily's own listing, the latest
by its time ("Last ingest: fetch-hf_daily-2026-12-12-...json (listing of 2026-12-12)"), though the
mirror's catch-up of the 11th was stored after it. Real `digest fetch` and `digest status` under
libfaketime, loopback APIs shaped like the real one."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import as_the_api_sends, graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the listings: either database

SOURCES = (
    "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
    "  - kind: hf_daily\n    name: mirror\n    url: {base}/mirror/daily_papers?date={date}\n    retries: 0\n"
)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def mirror(query: dict[str, str]) -> Route:
    """A page of its own each day (one paper: not hf_daily's listing again), a 404 for the 12th."""
    if query["date"] == "2026-12-12":
        return Route(b"no", status=404, content_type="text/plain")
    if query.get("p", "0") != "0":
        return Route(b"[]")
    day = dt.date.fromisoformat(query["date"])
    return Route(
        as_the_api_sends(day, day - dt.timedelta(days=1), [f"Mirror {day.day}"], 20000 + 10 * day.day)
    )


def test_last_ingest_names_the_mirrors_catch_up_stored_after_the_other_sources_own_day(workspace):
    routes = {"/api/daily_papers": lambda query: Route(graph_page(query)), "/mirror/daily_papers": mirror}
    with LocalHttpServer(routes) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + SOURCES.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(10, 6))  # both: the 9th; then not until the 13th
        fetched = digest_at(workspace, "fetch", at=at(13, 6), code=1).stdout
        status = digest_at(workspace, "status", at=at(13, 7)).stdout
    lines = fetched.splitlines()
    own = lines.index("hf_daily: 2 papers of 2026-12-12: 2 new, 0 known")
    assert lines.index("mirror: 1 paper of 2026-12-11: 1 new, 0 known") > own, fetched  # stored after it
    last = status.splitlines()[0]
    assert last.startswith("Last ingest: fetch-mirror-2026-12-11-20261213T0600"), status
    assert last.endswith(".json (listing of 2026-12-11) at 2026-12-13 06:00 UTC"), status
