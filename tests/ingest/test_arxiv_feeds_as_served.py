"""arXiv's listing feeds as rss.arxiv.org serves them (its feed service writes every author into
one ``dc:creator``, affiliations in brackets, in the Atom feed as in the RSS one), fetched from a
loopback server: what a reader's digest then says of each paper."""

from __future__ import annotations

import datetime as dt

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch import fetch_all
from digest.ingest.http import Http
from digest.store import Store

NOW = dt.datetime(2026, 12, 4, 6, 0, tzinfo=dt.UTC)
NS = (
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:atom="http://www.w3.org/2005/Atom"'
)


def atom_entry(full_id: str, announce: str, title: str, abstract: str, creators: str) -> str:
    plain = full_id.rsplit("v", 1)[0]
    return f"""
  <entry>
    <id>oai:arXiv.org:{full_id}</id>
    <title>{title}</title>
    <updated>2026-12-04T00:00:00-05:00</updated>
    <link href="https://arxiv.org/abs/{plain}" rel="alternate" type="text/html"/>
    <summary>arXiv:{full_id} Announce Type: {announce} \nAbstract: {abstract}</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>2026-12-04T00:00:00-05:00</published>
    <arxiv:announce_type>{announce}</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:creator>{creators}</dc:creator>
  </entry>"""


def atom_feed(*entries: str) -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" {NS} xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.LG</id>
  <title>cs.LG updates on arXiv.org</title>
  <updated>2026-12-04T00:00:00-05:00</updated>
  <link href="http://rss.arxiv.org/atom/cs.LG" rel="self" type="application/atom+xml"/>
  <subtitle>cs.LG updates on the arXiv.org e-print archive.</subtitle>{"".join(entries)}
</feed>
""".encode()


def fetched(workspace, routes: dict[str, Route], feed: str) -> dict[str, object]:
    """The papers stored by fetching cs.LG's ``feed`` (rss or atom) from ``routes``, by arXiv id."""
    with LocalHttpServer(routes) as server:
        text = workspace.config_path.read_text() + (
            "sources:\n  - kind: arxiv_listing\n    categories: [cs.LG]\n"
            f"    feed: {feed}\n    url: {server.url('/' + feed)}\n"
        )
        workspace.config_path.write_text(text)
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
            assert outcome.outcome != "failed", outcome.detail
            return {p.arxiv_id: p for p in store.papers()}


def test_the_atom_listing_feed_gives_its_authors_in_one_dc_creator_as_the_rss_one_does(workspace):
    feed = atom_feed(
        atom_entry(
            "2612.02001v1",
            "new",
            "Sparse Routing for Mixture Models",
            "We route tokens sparsely in mixtures of experts.",
            "Zoë Brontë, José Núñez and Li Wei",
        )
    )
    papers = fetched(workspace, {"/atom": Route(feed, content_type="application/atom+xml")}, "atom")
    assert papers["2612.02001"].authors == ("Zoë Brontë", "José Núñez", "Li Wei")
