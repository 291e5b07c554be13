"""The answers of the preferences app that are not a page of the reader's: a link of a removed
reader (410), a server its operator must fix first (503)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Response
from werkzeug.exceptions import HTTPException

from digest.errors import StoreError

# a live preview the server cannot make (a 503 the page's script reads): its words, naming nothing
PREVIEW_BUSY = (
    "Your preview cannot be made just now: the digest's data is busy. It is tried again {when}, "
    "or as soon as you change something; your edits are kept, and you can save them."
)
PREVIEW_REPAIR = (
    "Your preview is not available until the digest is repaired: the person who runs your digest "
    "needs to fix it. Nothing you did caused it."
)


def preview_busy(e: StoreError) -> str:
    """PREVIEW_BUSY, saying when the page asks again (``e.retry_after``, its 503's Retry-After)."""
    return PREVIEW_BUSY.format(when="in a few seconds" if e.retry_after < 60 else "in two minutes")


NEEDS_FIX = " (the pages that need it answer 503 until this is fixed: waiting will not help)"


class ReaderGone(HTTPException):
    """A link signed for a reader whose profile was removed (410, a page saying so)."""

    code = 410


class NeedsFixing(HTTPException):
    """The server cannot serve a reader until its operator fixes something (a 503 that says so)."""

    code = 503


def public_error(error: Exception, path: Path) -> str:
    """An error for the web page: the file's name instead of the server's path to it."""
    return str(error).replace(str(path), path.name)


def origin_of(url: str) -> str:
    """``url``'s scheme://host[:port]."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def json_answer(data: dict[str, Any], status: int = 200) -> Response:
    """``data`` as the JSON a page's script reads."""
    return Response(json.dumps(data), status=status, mimetype="application/json")
