"""A daily papers source on a loopback API shaped like the real one, fetched and looked at with real
`digest fetch` and `digest status` commands at chosen moments of December 2026: the tests of what
status says of the days whose fetch failed."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from digest.demo.http_server import LocalHttpServer, Route

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
