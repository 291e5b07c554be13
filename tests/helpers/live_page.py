"""A served page's text, the content version its open live page polls for (``/version``), and a
file of the user's templates edited while it is served, then seen reloading it: for the tests of
`digest serve` reading the `templates:` folder again as its files change."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable
from pathlib import Path


def touch(path: Path, seconds: int = 1) -> None:
    """``path``'s time moved on: a change seen however quick the test."""
    stamp = path.stat().st_mtime_ns + seconds * 10**9
    os.utime(path, ns=(stamp, stamp))


def page_text(url: str) -> str:
    """The text of the page at ``url``."""
    with urllib.request.urlopen(url) as page:
        return page.read().decode()


def content_version(ws) -> str:
    """The content version ada's open live page's poll answers (its ``/version``'s ``content``)."""
    with urllib.request.urlopen(ws.page_url() + "/version") as polled:
        return json.load(polled)["content"]


def edit_reloads(ws, url: str, edited: Path, edit: Callable[[], None], shown: str) -> None:
    """``edit()`` of ``edited``, then its time moved on: asserted that the open page's poll answers
    another content version (it reloads) and that the page at ``url`` shows ``shown``."""
    before = content_version(ws)
    edit()
    touch(edited)
    assert content_version(ws) != before, edited.name  # the open page reloads
    assert shown in page_text(url)  # made with it
