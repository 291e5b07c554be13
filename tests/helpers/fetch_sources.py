"""The fetch tests' sources: the config lines of a daily papers JSON and arXiv's cs.LG feed,
served on a loopback LocalHttpServer from tests/ingest/fixtures."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"
DAY = dt.date(2026, 11, 27)  # the daily page of hf_daily.json (its papers sent to arXiv the day before)
NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)  # when the tests of fetching fetch


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def configure(workspace, server: LocalHttpServer, *sources: str):
    text = workspace.config_path.read_text() + "sources:\n" + "".join(sources)
    workspace.config_path.write_text(text.replace("{base}", server.url("")))
    return load_config(workspace.config_path)


HF = "  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"
RSS = "  - kind: arxiv_listing\n    categories: [cs.LG]\n    url: {base}/rss/{categories}\n"


def hf_and_feed(feed: str = "arxiv_listing.rss") -> dict[str, Route]:
    """The routes of the daily papers JSON and arXiv's cs.LG feed (the fixture ``feed``), both
    of :data:`DAY` whatever day is asked (:func:`daily_papers_api`: the day asked)."""
    return {"/api/daily_papers": Route(fixture("hf_daily.json")), "/rss/cs.LG": Route(fixture(feed))}


def daily_page(day: dt.date) -> bytes:
    """hf_daily.json as the API answers ``?date=<day>``: its papers put on the daily page of
    ``day``, sent to arXiv the day before (the fixture itself for :data:`DAY`)."""
    before, arxiv = DAY - dt.timedelta(days=1), day - dt.timedelta(days=1)
    text = fixture("hf_daily.json").decode().replace(DAY.isoformat(), "\0")
    return text.replace(before.isoformat(), arxiv.isoformat()).replace("\0", day.isoformat()).encode()


def older_shape(day: dt.date = DAY) -> bytes:
    """hf_daily.json as older answers and other mirrors send it: no ``paper.submittedOnDailyAt``,
    the items' ``publishedAt`` on ``day``; a list fetch takes as the day's whatever day it asked
    for (fetch._asked_page): for tests of something else that ask by the real clock."""
    items = json.loads(fixture("hf_daily.json"))
    for n, item in enumerate(items):
        del item["paper"]["submittedOnDailyAt"]
        item["publishedAt"] = f"{day.isoformat()}T0{n + 2}:11:40.000Z"
    return json.dumps(items).encode()


def daily_papers_api(*then: Route, etag: str | None = None) -> Callable[[dict[str, str]], Route]:
    """The daily papers API on loopback, whose day fits in its first page: the first page of
    ``?date=D`` (:data:`DAY`'s without a date) is :func:`daily_page` of D, with ``etag``; once
    answered, ``then`` in turn (the last repeating), if any; an empty array past the first page."""
    queue, lock, answered = list(then), threading.Lock(), [False]

    def answer(query: dict[str, str]) -> Route:
        if query.get("p", "0") != "0":
            return Route(b"[]")
        with lock:
            if answered[0] and queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
            answered[0] = True
        day = dt.date.fromisoformat(query["date"]) if "date" in query else DAY
        return Route(daily_page(day), etag=etag)

    return answer


def asked_day(server: LocalHttpServer, n: int = 0) -> dt.date:
    """The day (``?date=``) the ``n``-th request for the daily papers asked for (-1: the last): the
    day :func:`daily_papers_api` answered."""
    asked = [r.path for r in server.requests if r.path.startswith("/api/daily_papers?")][n]
    return dt.date.fromisoformat(dict(parse_qsl(urlsplit(asked).query))["date"])
