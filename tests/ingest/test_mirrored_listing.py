"""A listing fetched byte for byte by two sources (a mirror of the same feed) is both's: taken
out of the config, either leaves its papers to the other's digests (README, *What a digest
holds*: "unless a source still there listed it too"). Before, the store kept one source a
listing, the last to fetch it: `first` fetched the feed at 06:00, `mirror` the same bytes at
06:10, and with `mirror` then taken out of the config ada's 07:00 `digest send` said "0 papers
nothing new" and `digest status` "due: nothing matched yet", where without the mirror's fetch
it sent the feed's 3 papers; and "Last ingest" named the mirror's file with first's time.
Real `digest fetch`, `status` and `send` under libfaketime, a loopback server and SMTP server,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.faked import at, digest_at, needs_faketime
from helpers.fetch_sources import fixture

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.store import Store

pytestmark = [needs_faketime, pytest.mark.backends]  # the listings' sources: either database

ADA = (  # the feed's three papers
    "email: ada@example.org\ninterests: [curriculum design, protein folding, low-rank adapters]\n"
    'send_at: "07:00"\n'
)


def _source(name: str, url: str) -> str:
    return f"  - kind: url\n    name: {name}\n    url: {url}\n    retries: 0\n"


def fetched_by_both_then(ws, kept: str, between=lambda: None) -> tuple[str, str]:
    """`first` (/a/rss) fetched at 06:00, (``between``), `mirror` (/b/rss, the same bytes) at
    06:10, then only ``kept`` left in `sources:`; ada's `digest status` and `digest send` at 07:00."""
    ws.profile("ada", ADA)
    text = ws.config_path.read_text()
    feed = Route(fixture("arxiv_listing.rss"))
    with LocalHttpServer({"/a/rss": feed, "/b/rss": feed}) as server:
        both = {
            "first": _source("first", server.url("/a/rss")),
            "mirror": _source("mirror", server.url("/b/rss")),
        }
        ws.config_path.write_text(text + "sources:\n" + both["first"] + both["mirror"])
        digest_at(ws, "fetch", "--source", "first", at=at(12, 6, 0))
        between()
        again = digest_at(ws, "fetch", "--source", "mirror", at=at(12, 6, 10)).stdout
        assert "already ingested" in again, again
        ws.config_path.write_text(text + "sources:\n" + both[kept])
        status = digest_at(ws, "status", at=at(12, 7, 0)).stdout
        sent = digest_at(ws, "send", at=at(12, 7, 0)).stdout
    return status, sent


@pytest.mark.parametrize("kept", ["first", "mirror"])
def test_the_source_left_in_the_config_keeps_a_listing_both_fetched(mail_workspace, smtp_server, kept):
    status, sent = fetched_by_both_then(mail_workspace, kept)
    assert "3 papers  sent" in sent, sent
    # before: "0 papers at 2026-12-12 07:00 UTC      due now" (first kept), "0 papers  nothing new"
    assert "3 papers at 2026-12-12 07:00 UTC" in status, status
    assert [m.message["To"] for m in smtp_server.messages] == ["ada@example.org"]
    # the listing stored by first's fetch, at its time (before: the mirror's file, first's time)
    assert "Last ingest: fetch-first-2026-12-12-20261212T0600" in status, status
    assert "(listing of 2026-11-27) at 2026-12-12 06:00 UTC\n" in status, status


def test_a_listing_stored_before_the_upgrade_stays_its_fetchers_after_a_mirror_fetches_it(
    mail_workspace, smtp_server
):
    # schema 39 records every source that fetched a listing: one stored before (first's, at 06:00)
    # is its own source's too, so the mirror fetching it after the upgrade and taken out of the
    # config leaves it first's (nothing lost in the upgrade)
    ws = mail_workspace

    def as_schema_38_left_it() -> None:  # its listings as that release wrote them, no listing_fetches
        with Store(load_config(ws.config_path).database) as store:
            store.db.execute("DROP TABLE listing_fetches")
            if store.dialect == "postgresql":
                store.db.execute("UPDATE schema_version SET version = 38")
            else:
                store.db.execute("PRAGMA user_version = 38")

    status, sent = fetched_by_both_then(ws, "first", between=as_schema_38_left_it)
    assert "3 papers  sent" in sent, sent
    assert [m.message["To"] for m in smtp_server.messages] == ["ada@example.org"]
    with Store(load_config(ws.config_path).database) as store:
        assert store.schema_version == 39


def test_a_listing_stored_by_the_release_before_as_the_database_upgraded_still_goes(
    mail_workspace, smtp_server
):
    # a `digest fetch` (a worker's pass) of the release before, begun on schema 38, stores its
    # listing after another process of this release upgraded the database (README: the workers of
    # the release before fail from their next pass): the listing has no listing_fetches row. Shown
    # with real processes of both releases on SQLite: before, ada's send said "0 papers  nothing
    # new" and `digest status` "0 papers at ... due now", first still in the config
    ws = mail_workspace
    ws.profile("ada", ADA)
    text = ws.config_path.read_text()
    with LocalHttpServer({"/a/rss": Route(fixture("arxiv_listing.rss"))}) as server:
        ws.config_path.write_text(text + "sources:\n" + _source("first", server.url("/a/rss")))
        digest_at(ws, "fetch", "--source", "first", at=at(12, 6, 0))
    with Store(load_config(ws.config_path).database) as store:  # as the release before wrote it
        store.db.execute("DELETE FROM listing_fetches")
    status = digest_at(ws, "status", at=at(12, 7, 0)).stdout
    sent = digest_at(ws, "send", at=at(12, 7, 0)).stdout
    assert "3 papers at 2026-12-12 07:00 UTC" in status, status
    assert "3 papers  sent" in sent, sent
    assert [m.message["To"] for m in smtp_server.messages] == ["ada@example.org"]
