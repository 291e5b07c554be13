"""A source renamed in the config, its url the same, is the same source: what it fetched under
the old name still goes in the digests (README, *What a digest holds*), and its last fetch is
its own too. Before, `digest status` said of it "Source feed2: never fetched" though it was
fetched an hour before under its old name, and the daemon's pass fetched it again as a new
source ("fetched feed2: ... already ingested, nothing new"). Two url sources without `name:`
(named by their places: url1, url2) swapped in the config each keep their own last fetch, matched
by url: before, each was said with the other's. Real `digest fetch`, `status`, `send` and `run
--once` under libfaketime, a loopback server, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.faked import at, digest_at, needs_faketime
from helpers.fetch_sources import hf_and_feed

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the fetches' records: either database


def _source(url: str, name: str | None = None) -> str:
    named = f"    name: {name}\n" if name else ""
    return f"  - kind: url\n{named}    url: {url}\n    retries: 0\n"


def test_a_renamed_source_keeps_its_last_fetch(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n')
    text = ws.config_path.read_text()
    with LocalHttpServer(hf_and_feed()) as server:
        feed, gone = server.url("/rss/cs.LG"), server.url("/gone")
        ws.config_path.write_text(text + "sources:\n" + _source(feed, "feed") + _source(gone, "lost"))
        digest_at(ws, "fetch", at=at(12, 6, 0), code=1)  # lost: 404
        ws.config_path.write_text(text + "sources:\n" + _source(feed, "feed2") + _source(gone, "lost2"))
        status = digest_at(ws, "status", at=at(12, 6, 5)).stdout
        ran = digest_at(ws, "run", "--once", at=at(12, 7, 5), code=3)  # lost2 tried again: 404
    assert "Source feed2: fetched at 2026-12-12 06:00 UTC: 3 papers of 2026-11-27: 3 new" in status, status
    said = f"/gone: HTTP 404 Not Found; check the source's url: sources[1].url in {ws.config_path}"
    assert f"Source lost2: FETCH FAILED at 2026-12-12 06:00 UTC: {server.url('')}{said}" in status, status
    assert "never fetched" not in status, status
    assert "fetched feed2" not in ran.stdout + ran.stderr, ran.stdout + ran.stderr  # fetched at 06:00
    assert "fetched lost2: failed: " in ran.stdout + ran.stderr, ran.stdout + ran.stderr


def test_two_sources_named_by_their_places_swapped_keep_their_own_fetches(mail_workspace, smtp_server):
    # Before: "Source url1: fetched at ...: 3 papers ..." of the feed, url1 now /gone, and "Source url2:
    # FETCH FAILED at ...: .../gone: HTTP 404 Not Found; check the source's url: sources[1].url", url2
    # now the feed that answered, sources[1] its key: `digest send` said "url2: not fetched, ..." so too
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n')
    text = ws.config_path.read_text()
    with LocalHttpServer(hf_and_feed()) as server:
        feed, gone = _source(server.url("/rss/cs.LG")), _source(server.url("/gone"))
        ws.config_path.write_text(text + "sources:\n" + feed + gone)  # url1, url2
        digest_at(ws, "fetch", at=at(12, 7, 0), code=1)  # url2: 404
        ws.config_path.write_text(text + "sources:\n" + gone + feed)  # swapped: /gone is url1 now
        status = digest_at(ws, "status", at=at(12, 7, 5)).stdout
        sent = digest_at(ws, "send", at=at(12, 7, 5))
    said = f"/gone: HTTP 404 Not Found; check the source's url: sources[0].url in {ws.config_path}"
    assert f"Source url1: FETCH FAILED at 2026-12-12 07:00 UTC: {server.url('')}{said}" in status, status
    assert "Source url2: fetched at 2026-12-12 07:00 UTC: 3 papers of 2026-11-27: 3 new" in status, status
    assert "url1: not fetched, so these digests go without it: its fetch failed at 07:00" in sent.stderr
    assert f"{said}\n" in sent.stderr and "url2: not fetched" not in sent.stderr, sent.stderr
