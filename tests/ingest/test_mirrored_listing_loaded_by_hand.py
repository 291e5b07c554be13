"""A day's page loaded by hand (`digest ingest`) before the day was over, then fetched byte for
byte by a mirror once it was over: the mirror's fetch shows the list had not grown, so the day's
papers are whole, as they were before schema 39 (the mirror's fetch then made the listing its own).
Since listing_fetches (92d9ef2d) the listing's ``source`` stays the dump's, and `digest status`
said of the source whose own fetch of the day failed "loaded by hand before it was over ...: the
papers loaded kept (its list may have grown since)". Real `digest fetch`, `ingest` and `status`
under libfaketime, a loopback API shaped like the real one, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the listings and their fetches: either database

SOURCES = (
    "sources:\n"
    "  - kind: hf_daily\n    name: today\n    url: {base}/api/daily_papers?date={date}\n"
    "    retries: 0\n    day: today\n"
    "  - kind: hf_daily\n    name: mirror\n    url: {base}/mirror/daily_papers?date={date}\n"
    "    retries: 0\n    day: yesterday\n"
)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def status_after(workspace, mirrored: bool) -> str:
    """`today`'s fetch of the 10th failed (503); its page as it was at noon loaded by hand; the mirror
    (``mirrored``) fetching the same bytes on the 11th; `digest status` on the 19th."""
    routes = {
        "/api/daily_papers": lambda query: Route(b"busy", status=503),
        "/mirror/daily_papers": lambda query: Route(graph_page(query)),
    }
    with LocalHttpServer(routes) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + SOURCES.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", "--source", "today", at=at(10, 6), code=1)
        page = workspace.root / "2026-12-10.json"
        page.write_bytes(graph_page({"date": "2026-12-10"}))
        noon = at(10, 12).timestamp()
        os.utime(page, (noon, noon))
        loaded = digest_at(workspace, "ingest", str(page), at=at(10, 12))
        assert "2 new papers" in loaded.stdout, loaded.stdout
        if mirrored:
            again = digest_at(workspace, "fetch", "--source", "mirror", at=at(11, 6))
            assert "already ingested" in again.stdout, again.stdout
        return digest_at(workspace, "status", at=at(19, 5)).stdout


def test_a_day_loaded_by_hand_then_fetched_whole_by_a_mirror_is_not_said_in_part(workspace):
    status = status_after(workspace, mirrored=True)
    assert "loaded by hand before it was over" not in status, status


def test_without_the_mirror_it_is(workspace):
    status = status_after(workspace, mirrored=False)
    assert "2026-12-10, loaded by hand before it was over" in status, status
