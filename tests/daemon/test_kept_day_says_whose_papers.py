"""A failed catch-up of a daily papers day whose papers are stored all the same is not asked for
again (missed_days.KEPT), and says whose papers are kept: another source of the same API (a
mirror) that fetched the day, or a dump loaded by hand. Before, "the papers of its earlier answer
kept (its list may have grown since)" of a source that had never had an answer for that day.
Real `digest fetch` under libfaketime, loopback APIs shaped like the real one, the mirror's
failing one day with a 404 (not the server's failure: the catch-up goes on)."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.daily_papers import graph_page
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches and listings: either database

MIRROR = (
    "  - kind: hf_daily\n    name: mirror\n    url: {base}/mirror/daily_papers?date={date}\n    retries: 0\n"
)
SOURCES = (
    "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n" + MIRROR
)


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 6, 0, tzinfo=dt.UTC)


def mirror(query: dict[str, str]) -> Route:
    if query["date"] == "2026-12-10":
        return Route(b"no", status=404, content_type="text/plain")
    return Route(graph_page(query))


def failed_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("mirror: failed: "))


def test_a_day_another_source_stored_is_said_kept_as_its_papers_not_the_mirrors_answer(workspace):
    routes = {"/api/daily_papers": lambda query: Route(graph_page(query)), "/mirror/daily_papers": mirror}
    with LocalHttpServer(routes) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + SOURCES.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(10))  # both: the 9th; then not until the 13th
        out = digest_at(
            workspace, "fetch", at=at(13), code=1
        ).stdout  # hf_daily's 10th first, then the mirror's
    line = failed_line(out)
    assert "?date=2026-12-10&limit=100&p=0: HTTP 404 Not Found" in line, out
    # before: "...; the papers of its earlier answer kept (its list may have grown since): not asked for ..."
    assert line.endswith("; its papers stored all the same, by hf_daily's fetch: not asked for again"), out
    assert "earlier answer" not in out, out


def test_a_day_loaded_by_hand_is_said_kept_as_the_dumps_papers(workspace):
    routes = {"/api/daily_papers": lambda query: Route(b"no", status=404), "/mirror/daily_papers": mirror}
    with LocalHttpServer(routes) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text()
            + MIRROR.join(["sources:\n", ""]).replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(10))  # the 9th; then not until the 13th
        dump = workspace.root / "2026-12-10.json"
        dump.write_bytes(graph_page({"date": "2026-12-10"}))
        digest_at(workspace, "ingest", str(dump), at=at(12))  # the 10th, once over
        out = digest_at(workspace, "fetch", at=at(13), code=1).stdout
    line = failed_line(out)
    assert "?date=2026-12-10&limit=100&p=0: HTTP 404 Not Found" in line, out
    assert line.endswith(
        "; its papers stored all the same, from a dump loaded by hand: not asked for again"
    ), out


def test_send_does_not_advise_digest_fetch_for_a_day_loaded_by_hand(mail_workspace):
    """`digest send` says the failed catch-up among what its digests go without; no fetch asks for
    that day again, so not "(`digest fetch` now)" either, as of a day its own answer kept
    (test_send_kept_day)."""
    ws = mail_workspace
    with LocalHttpServer({"/mirror/daily_papers": mirror}) as server:
        ws.config_path.write_text(
            ws.config_path.read_text() + MIRROR.join(["sources:\n", ""]).replace("{base}", server.url(""))
        )
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
        dump = ws.root / "2026-12-10.json"
        dump.write_bytes(graph_page({"date": "2026-12-10"}))
        digest_at(ws, "fetch", at=at(10))  # the 9th; then not until the 13th
        digest_at(ws, "ingest", str(dump), at=at(12))  # the 10th, once over
        sent = digest_at(
            ws, "send", at=dt.datetime(2026, 12, 13, 7, 0, tzinfo=dt.UTC), code=3
        ).stderr  # 3: a fetch failed
    assert "mirror: not fetched, so these digests go without it:\n  failed: http" in sent, sent
    assert "; its papers stored all the same, from a dump loaded by hand: not asked for again" in sent, sent
    assert "`digest fetch` now" not in sent, sent  # without the send_fetched change: "(`digest fetch` now)"
