"""A daily papers source on a loopback API shaped like the real one, fetched and looked at with real
`digest fetch` and `digest status` commands at chosen moments of December 2026: the tests of what
status says of the days whose fetch failed."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from digest.demo.http_server import LocalHttpServer, Route
from helpers.daily_papers import as_the_api_sends, graph_page, page

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def busy(query: dict[str, str]) -> Route:
    """The API failing every day's page."""
    return Route(b"busy", status=503, content_type="text/plain")


@contextmanager
def hf_source(workspace, api: Callable[[dict[str, str]], Route]) -> Iterator[LocalHttpServer]:
    """The workspace's config with one daily papers source (no retries), served by ``api``."""
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        yield server


def at(workspace, monkeypatch, module: str, day: int, hour: int = 6) -> str:
    """`digest <module>` (fetch, status) run at ``hour``:00 UTC of the ``day`` of December 2026: what
    it said."""
    when = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(importlib.import_module(f"digest.cli.{module}"), "now_utc", lambda: when)
    return workspace.cli(module).output


def failed_days(shown: str) -> list[str]:
    """The lines of `digest status` that say a failed day below its source's."""
    return [line for line in shown.splitlines() if line.startswith("  and the daily papers of")]


def stopped_in_catch_up(query: dict[str, str]) -> Route:
    """The API of a catch-up stopped (Ctrl-C): 404 for 2026-12-09 and the 10th, a SIGINT to this
    process (a `digest send` in process) while the 11th's answer is awaited, each other day's page
    (:func:`graph_page`)."""
    day = dt.date.fromisoformat(query["date"])
    if day.day in (9, 10):
        return Route(b"no", status=404, content_type="text/plain")
    if day.day == 11:  # Ctrl-C while the 11th's answer is awaited
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2)
    return Route(graph_page(query))


@contextmanager
def sends_stopped_in_catch_up(workspace, monkeypatch, send_at: str) -> Iterator[list[str]]:
    """ada (graphs, her digest at ``send_at``), a daily papers source answered by
    :func:`stopped_in_catch_up`, and `digest send` in process at 07:00 UTC of 2026-12-09 and of the
    13th (nothing ran between: the second catches up from the 10th and is stopped at the 11th):
    what each said, the API up until the block ends."""
    daily = importlib.import_module("digest.cli.daily")
    with hf_source(workspace, stopped_in_catch_up):
        workspace.profile("ada", f'email: ada@example.org\ninterests: ["graph"]\nsend_at: "{send_at}"\n')
        said = []
        for day in (9, 13):
            when = dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(daily, "now_utc", lambda when=when: when)
            said.append(workspace.cli("send").output)
        yield said


def api_failing(down: set[str]) -> Callable[[dict[str, str]], Route]:
    """The daily papers API's route: the list of a day in ``down`` (ISO dates, read at each ask)
    fails (503), any other day's is two papers, "Graph topic <day> one" and "two"."""

    def api(query: dict[str, str]) -> Route:
        if query["date"] in down:
            return Route(b"busy", status=503, content_type="text/plain")
        day = dt.date.fromisoformat(query["date"])
        titles = [f"Graph topic {day.day} one", f"Graph topic {day.day} two"]
        first_page = as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day)
        return Route(first_page if query.get("p", "0") == "0" else b"[]")

    return api


# what `digest send` says of a missed day's list it will ask for again
AGAIN = "the daemon asks for that day again at the source's next fetch"


def sends(
    ws, monkeypatch, bad: dict[int, int], days: tuple[int, ...]
) -> tuple[list[str], list[list[dt.date]]]:
    """`digest send` at 07:00 UTC of each of ``days`` (December 2026), the API answering
    ``bad[day]`` (a status) for that day's list; what each send printed and the days it asked for."""
    lists = {dt.date(2026, 12, d): page(d) for d in range(1, 31)}
    asked: list[dt.date] = []

    def api(query: dict[str, str]) -> Route:
        day = dt.date.fromisoformat(query["date"])
        asked.append(day)
        if day.day in bad:
            return Route(b"no", status=bad[day.day], content_type="text/plain")
        return Route(b"[]" if query.get("p", "0") != "0" else lists.get(day, b"[]"))

    said, each = [], []
    with hf_source(ws, api):
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
        daily = importlib.import_module("digest.cli.daily")  # the module, not its command
        for day in days:
            at = dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(daily, "now_utc", lambda at=at: at)
            del asked[:]
            said.append(ws.cli("send").output)
            each.append(sorted(set(asked)))
    return said, each


def ninth_fails(query: dict[str, str]) -> Route:
    """The API: the page of the 9th fails, every other answers."""
    if query["date"] == "2026-12-09":
        return busy(query)
    return Route(graph_page(query))
