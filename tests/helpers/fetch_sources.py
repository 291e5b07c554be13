"""The fetch tests' sources: the config lines of a daily papers JSON and arXiv's cs.LG feed,
served on a loopback LocalHttpServer from tests/ingest/fixtures."""

from __future__ import annotations

from pathlib import Path

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def configure(workspace, server: LocalHttpServer, *sources: str):
    text = workspace.config_path.read_text() + "sources:\n" + "".join(sources)
    workspace.config_path.write_text(text.replace("{base}", server.url("")))
    return load_config(workspace.config_path)


HF = "  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"
RSS = "  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {base}/rss/{categories}\n"


def hf_and_feed(feed: str = "arxiv_listing.rss") -> dict[str, Route]:
    """The routes of the daily papers JSON and arXiv's cs.LG feed (the fixture ``feed``)."""
    return {"/api/daily_papers": Route(fixture("hf_daily.json")), "/rss/cs.LG": Route(fixture(feed))}
