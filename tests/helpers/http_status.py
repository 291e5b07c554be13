"""The HTTP status a GET of a page is answered with, an error status as any other: for the tests
that look at what `digest serve` answers and logs, not at the page."""

from __future__ import annotations

import urllib.error
import urllib.request


def status(url: str) -> int:
    """The status of a GET of ``url`` (60 s at the most: only a server that hangs takes that long)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code
