"""Two daily papers sources of the same kind (`hf_daily`, a mirror of the API beside it): a day the
mirror's fetch failed whose list the other source's fetch stored before the day was over was said,
once out of the week, "loaded by hand before it was over" by `digest status` and the next fetch,
though no one loaded anything by hand. A dump loaded by hand (`digest ingest`) is one; another
source's fetched document is not: that source's own line says its papers. Real `digest fetch` and
`digest status` under libfaketime, loopback APIs shaped like the real one."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches and listings: either database

SOURCES = (
    "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"
    "    day: today\n"
    "  - kind: hf_daily\n    name: mirror\n    url: {base}/mirror/daily_papers?date={date}\n    retries: 0\n"
    "    day: today\n"
)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def test_a_day_another_source_fetched_is_not_said_loaded_by_hand(workspace):
    routes = {
        "/api/daily_papers": lambda query: Route(graph_page(query)),
        "/mirror/daily_papers": lambda query: Route(b"busy", status=503),
    }
    with LocalHttpServer(routes) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + SOURCES.replace("{base}", server.url(""))
        )
        first = digest_at(workspace, "fetch", at=at(10, 6), code=1).stdout  # then nothing until the 19th
        status = digest_at(workspace, "status", at=at(19, 5)).stdout
        fetched = digest_at(workspace, "fetch", at=at(19, 6), code=1)
    assert "hf_daily: 2 papers of 2026-12-10: 2 new, 0 known" in first and "mirror: failed: " in first, first
    assert (
        "  and the daily papers of 2026-12-10, asked for before it was over (the fetch above): over a week "
        "old, not asked for again since 2026-12-18: the papers of its earlier answer kept (its list may have "
        "grown since)"
    ) in status.splitlines(), status  # hf_daily's: the papers it stored
    # before: "  and the daily papers of 2026-12-10, loaded by hand before it was over (the fetch above): ..."
    # under the mirror's line, and the fetch "mirror: ...: the daily papers of 2026-12-10, loaded by hand ..."
    assert "loaded by hand" not in status, status
    assert "loaded by hand" not in fetched.stderr, fetched.stderr
