"""A loopback daily papers API that notes the days it is asked for, and the config lines of a
daily papers source at it: for the tests of two sources of one API (yesterday's list and
today's, `day:`) and of the days a fetch asks for."""

from __future__ import annotations

from collections.abc import Callable

from digest.demo.http_server import Route
from helpers.daily_papers import graph_page


def source(name: str, url: str, day: str = "yesterday") -> str:
    """The `sources:` entry of an `hf_daily` source ``name`` at ``url``, of ``day``, no retries."""
    return f"  - kind: hf_daily\n    name: {name}\n    day: {day}\n    url: {url}\n    retries: 0\n"


def noting_days(asked: list[str]) -> Callable[[dict[str, str]], Route]:
    """An API route answering graph_page, appending to ``asked`` the date of each first page asked."""

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        return Route(graph_page(query))

    return api
