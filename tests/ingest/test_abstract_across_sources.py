"""A fetch says "known with another abstract: kept the first" when the source gives a paper
another abstract than the one it gave first and that is kept (a corrected abstract). A paper
whose kept abstract is another source's wording is not said to be corrected each day the daily
papers list it again with their own, unchanged wording (real fetches from a loopback server)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch_all import fetch_all
from digest.ingest.http import Http
from digest.store import Store

pytestmark = pytest.mark.backends  # the listings' order and the abstract kept, on either database

ARXIV = "We route tokens sparsely through gardens of experts."
HF = "We route tokens sparsely through gardens of experts, and measure what it costs."
FEED = f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
  <title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>
  <description>cs.LG</description><pubDate>Fri, 04 Dec 2026 00:00:00 -0500</pubDate>
  <item><title>Sparse Gardens for Routing</title><link>https://arxiv.org/abs/2612.02001</link>
    <description>arXiv:2612.02001v1 Announce Type: new Abstract: {ARXIV}</description>
    <guid isPermaLink="false">oai:arXiv.org:2612.02001v1</guid><category>cs.LG</category>
    <dc:creator>Ann Bell</dc:creator></item>
</channel></rss>
""".encode()


ANOTHER = b"""<item><title>Another Paper</title><link>https://arxiv.org/abs/2612.02002</link>
    <description>arXiv:2612.02002v1 Announce Type: new Abstract: Of something else.</description>
    <guid isPermaLink="false">oai:arXiv.org:2612.02002v1</guid><category>cs.LG</category>
    <dc:creator>Carl Dunn</dc:creator></item>"""


def daily(summaries: dict[str, str]):
    """The daily papers API listing the paper each day with that day's summary."""

    def answer(query: dict[str, str]) -> Route:
        day = query.get("date", "")
        if query.get("p", "0") != "0" or day not in summaries:
            return Route(b"[]")
        paper = {"id": "2612.02001", "title": "Sparse Gardens for Routing", "summary": summaries[day]}
        return Route(json.dumps([{"paper": paper, "publishedAt": f"{day}T08:00:00.000Z"}]).encode())

    return answer


def with_sources(workspace, server: LocalHttpServer):
    """The workspace's config with arXiv's cs.LG feed (/rss) and the daily papers (/daily)."""
    workspace.config_path.write_text(
        workspace.config_path.read_text() + "sources:\n"
        f"  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {server.url('/rss')}\n"
        f"  - kind: hf_daily\n    day: today\n    url: {server.url('/daily')}?date={{date}}\n"
    )
    return load_config(workspace.config_path)


def said_each_day(workspace, summaries: dict[str, str]) -> list[str]:
    """What each day's fetch said of the daily papers, arXiv's feed fetched on the first day."""
    routes = {"/rss": Route(FEED, content_type="application/rss+xml"), "/daily": daily(summaries)}
    with LocalHttpServer(routes) as server:
        config = with_sources(workspace, server)
        said = []
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            for day in summaries:
                now = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)
                outcomes = {o.source: o for o in fetch_all(config, store, http, now)}
                said.append(outcomes["hf_daily"].detail)
            (paper,) = store.papers()
    assert paper.abstract == ARXIV  # the first, arXiv's
    return said


def test_the_daily_papers_listing_a_paper_again_in_their_own_words_say_nothing_of_another_abstract(workspace):
    said = said_each_day(workspace, {"2026-12-04": HF, "2026-12-05": HF, "2026-12-06": HF})
    assert said == [
        "1 paper of 2026-12-04: 0 new, 1 known",
        "1 paper of 2026-12-05: 0 new, 1 known",
        "1 paper of 2026-12-06: 0 new, 1 known",
    ]


def test_a_source_listing_again_the_start_its_abstract_was_completed_from_says_nothing_of_another_abstract(
    workspace,
):
    # arXiv's feed gave the abstract first, cut short; the daily papers' fuller copy, which starts
    # with it, completed it; arXiv's feed, fetched again, gives the same cut-short text: unchanged
    fuller = ARXIV + " It costs little."
    served = [FEED, FEED.replace(b"</channel>", ANOTHER + b"</channel>")]  # the feed again, one paper more

    def feed(query: dict[str, str]) -> Route:
        return Route(served.pop(0), content_type="application/rss+xml")

    routes = {"/rss": feed, "/daily": daily({"2026-12-04": fuller})}
    with LocalHttpServer(routes) as server:
        config = with_sources(workspace, server)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            said = []
            for hour in (10, 11):
                now = dt.datetime(2026, 12, 4, hour, tzinfo=dt.UTC)
                said.append({o.source: o.detail for o in fetch_all(config, store, http, now)})
            paper = {p.title: p for p in store.papers()}["Sparse Gardens for Routing"]
    assert paper.abstract == fuller  # completed from the fuller copy
    assert "another abstract" not in said[1]["arxiv-cs.LG"], said
