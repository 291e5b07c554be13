"""One paper however it is listed: a paper whose title changed between versions (the daily
papers JSON has its first, the arXiv query API its second) is found again under either title
by a listing that gives no arXiv id (the trending page)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.dumps import ingest
from digest.ingest.fetch import LISTING
from digest.ingest.fetch_all import fetch_all
from digest.ingest.http import Http
from digest.store import Store

from conftest import make_dump, write_dump

pytestmark = pytest.mark.backends

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
OLD, NEW = "Sparse Lanterns for Streaming Retrieval", "Sparse Lanterns: Streaming Retrieval at Scale"
ABSTRACT = "We keep a sparse set of lantern vectors that light the way to the documents a query needs."
DAILY = [
    {
        "paper": {"id": "2611.04040", "title": OLD, "summary": ABSTRACT, "authors": [{"name": "Ines Vale"}]},
        "publishedAt": "2026-11-26T12:00:00.000Z",
    }
]
QUERY = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<updated>2026-11-28T00:00:00-05:00</updated>
<entry><id>http://arxiv.org/abs/2611.04040v2</id><title>{NEW}</title><summary>{ABSTRACT}</summary>
<author><name>Ines Vale</name></author><arxiv:primary_category term="cs.IR"/></entry>
</feed>"""


def test_a_paper_renamed_in_its_second_version_is_one_paper_under_either_title(workspace, tmp_path):
    routes = {"/daily": Route(json.dumps(DAILY).encode()), "/query": Route(QUERY.encode())}
    with LocalHttpServer(routes) as server:
        sources = (
            f"sources:\n  - {{kind: url, name: daily, url: '{server.url('/daily')}'}}\n"
            f"  - {{kind: url, name: query, url: '{server.url('/query')}'}}\n"
        )
        workspace.config_path.write_text(workspace.config_path.read_text() + sources)
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            outcomes = fetch_all(config, store, http, NOW)
            assert [(o.outcome, o.new_papers) for o in outcomes] == [(LISTING, 1), (LISTING, 0)]
            for n, title in enumerate((NEW, OLD, NEW.upper())):  # the trending page: titles only
                write_dump(tmp_path / f"day{n}.txt", make_dump("Nov 28", [(title, ABSTRACT + f" ({n})")]))
                report = ingest(store, [tmp_path / f"day{n}.txt"], NOW)
                assert not report.failures
            (paper,) = store.papers()
    assert (paper.arxiv_id, paper.title, paper.authors) == ("2611.04040", OLD, ("Ines Vale",))
