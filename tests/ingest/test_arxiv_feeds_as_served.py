"""arXiv's listing feeds as rss.arxiv.org serves them (its feed service writes every author into
one ``dc:creator``, affiliations in brackets, in the Atom feed as in the RSS one), fetched from a
loopback server: what a reader's digest then says of each paper."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from digest.compose.render import short_authors
from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch_all import fetch_all
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


def rss_item(full_id: str, announce: str, title: str, abstract: str, creators: str) -> str:
    plain = full_id.rsplit("v", 1)[0]
    return f"""
    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{plain}</link>
      <description>arXiv:{full_id} Announce Type: {announce} \nAbstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{full_id}</guid>
      <category>cs.LG</category>
      <pubDate>Fri, 04 Dec 2026 00:00:00 -0500</pubDate>
      <arxiv:announce_type>{announce}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{creators}</dc:creator>
    </item>"""


def rss_feed(*items: str) -> bytes:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss {NS} xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <language>en-us</language>
    <lastBuildDate>Fri, 04 Dec 2026 05:00:00 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Fri, 04 Dec 2026 00:00:00 -0500</pubDate>
    <skipDays><day>Saturday</day><day>Sunday</day></skipDays>{"".join(items)}
  </channel>
</rss>
""".encode()


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_affiliations_in_brackets_are_no_authors_of_their_own_in_either_feed(workspace, feed):
    creators = "Zoë Brontë (Université Paris-Saclay, CNRS), José Núñez, Li Wei (Tsinghua University, Beijing)"
    new = ("2612.02001v1", "new", "Sparse Routing for Mixture Models", "We route tokens sparsely.", creators)
    routes = {
        "/atom": Route(atom_feed(atom_entry(*new)), content_type="application/atom+xml"),
        "/rss": Route(rss_feed(rss_item(*new)), content_type="application/rss+xml"),
    }
    papers = fetched(workspace, routes, feed)
    assert papers["2612.02001"].authors == ("Zoë Brontë", "José Núñez", "Li Wei")


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_an_abstract_only_update_of_an_older_paper_is_not_taken_for_new_work(workspace, feed):
    # arXiv's feed service announces a changed abstract of a paper listed before as "absonly",
    # beside "replace" for a new version: neither is new work, both are kept with replacements
    new = ("2612.02001v1", "new", "Sparse Routing for Mixture Models", "We route tokens sparsely.", "A. One")
    update = ("2611.03003v2", "absonly", "Older Sparse Routing", "A corrected abstract.", "F. Five")
    routes = {
        "/atom": Route(atom_feed(atom_entry(*new), atom_entry(*update)), content_type="application/atom+xml"),
        "/rss": Route(rss_feed(rss_item(*new), rss_item(*update)), content_type="application/rss+xml"),
    }
    assert sorted(fetched(workspace, routes, feed)) == ["2612.02001"]


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_an_unclosed_bracket_keeps_the_names_it_may_hold_together_as_written(workspace, feed):
    # no split can tell where "(MIT, CNRS, ..." ends: which of its pieces are places and which
    # are people; the names before the bracket are sure, the rest is kept as one, as written
    creators = "Xu Yan, Ann Bell (MIT, CNRS, Carl Dunn, Eve Fox (Stanford)"
    new = ("2612.02001v1", "new", "Sparse Routing for Mixture Models", "We route tokens sparsely.", creators)
    routes = {
        "/atom": Route(atom_feed(atom_entry(*new)), content_type="application/atom+xml"),
        "/rss": Route(rss_feed(rss_item(*new)), content_type="application/rss+xml"),
    }
    authors = fetched(workspace, routes, feed)["2612.02001"].authors
    assert authors == ("Xu Yan", "Ann Bell (MIT, CNRS, Carl Dunn, Eve Fox")
    assert short_authors(authors) == "Xu Yan, Ann Bell (MIT, CNRS, Carl Dunn, Eve Fox"


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_a_bracket_closed_but_never_opened_keeps_what_comes_before_it_together(workspace, feed):
    creators = "Ann Bell, MIT, CNRS), Carl Dunn and Eve Fox"
    new = ("2612.02001v1", "new", "Sparse Routing for Mixture Models", "We route tokens sparsely.", creators)
    routes = {
        "/atom": Route(atom_feed(atom_entry(*new)), content_type="application/atom+xml"),
        "/rss": Route(rss_feed(rss_item(*new)), content_type="application/rss+xml"),
    }
    authors = fetched(workspace, routes, feed)["2612.02001"].authors
    assert authors == ("Ann Bell, MIT, CNRS)", "Carl Dunn", "Eve Fox")


@pytest.mark.parametrize("feed", ["atom", "rss"])
def test_an_unclosed_bracket_before_a_collaboration_does_not_make_a_page_long_author_line(workspace, feed):
    # the names after the stray "(" are kept as one entry: 300 of them would be one line of
    # 4,600 characters in the email, where any other paper shows three names and "et al."
    crowd = ", ".join(f"Member Number{i}" for i in range(300))
    creators = f"Ann Bell (MIT, {crowd}"
    new = ("2612.02001v1", "new", "Sparse Routing for Mixture Models", "We route tokens sparsely.", creators)
    routes = {
        "/atom": Route(atom_feed(atom_entry(*new)), content_type="application/atom+xml"),
        "/rss": Route(rss_feed(rss_item(*new)), content_type="application/rss+xml"),
    }
    authors = fetched(workspace, routes, feed)["2612.02001"].authors
    assert authors == (f"Ann Bell (MIT, {crowd}",)  # stored as written
    line = short_authors(authors)
    assert len(line) <= 210, f"{len(line)} characters: {line[:80]}…"
    assert line.startswith("Ann Bell (MIT, Member Number0, Member Number1")
    assert re.search(r", Member Number\d+ et al\.$", line), line[-40:]  # cut between names
