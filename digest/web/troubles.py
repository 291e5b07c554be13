"""The pages of `digest serve` that say why a page cannot be shown (410, 503), and what makes a
GET's such page follow its link until it can (templates/web/broken.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from digest.config import ConfigError
from digest.errors import StoreError, StoreUnusable
from digest.web.answers import NEEDS_FIX, NeedsFixing, ReaderGone
from digest.web.unreadable import ProfileUnreadable

POLL, SLOW_POLL = 1.5, 60.0  # s: as the open pages poll (templates/web/prefs.js); a removed reader's, a
# lasting trouble's (no Retry-After): once a minute


def add_trouble_pages(
    app: Flask, page: Callable[..., Response], logged: Callable[..., None]
) -> Callable[[StoreError, Response], Response]:
    """Register the error pages on ``app``; returns ``unavailable_as`` (the previews' JSON 503s)."""

    def following(stays: str, wait: float) -> dict[str, Any]:
        """What makes a GET's page that cannot be shown for now (templates/web/broken.js) poll its
        link's /version, first after ``wait`` s and then as long while the answer ``stays`` the same,
        and be made again once it can; a POST's page (what was typed, "Save this again") is not
        reloaded over: no script."""
        token = (request.view_args or {}).get("token") if request.method in ("GET", "HEAD") else None
        return {"follow": token, "stays": stays, "wait": int(wait * 1000)}

    @app.errorhandler(ReaderGone)
    def gone(_: Exception) -> Response:
        """A file put back (a removal undone) is found within a minute, as the open pages' polls find it."""
        return page("gone.html.j2", 410, **following("gone", SLOW_POLL))

    @app.errorhandler(StoreError)
    def unavailable(e: StoreError) -> Response:
        """503. The database locked or the disk full may pass: the reader is asked to come back;
        a database unusable until fixed (StoreUnusable: its folder missing, a newer schema,
        corrupt, read-only) is said to need the operator. The detail, with the fix, goes to the
        server's log only: the page names no path and no version."""
        lasting = isinstance(e, StoreUnusable)
        again = following("", SLOW_POLL if lasting else e.retry_after)  # asked again when Retry-After says
        posted = request.method == "POST"  # nothing of it saved: said, with what to do
        return unavailable_as(e, page("unavailable.html.j2", 503, lasting=lasting, posted=posted, **again))

    def unavailable_as(e: StoreError, response: Response) -> Response:
        """``response``, the 503 that says ``e`` (a page, or the JSON a page's script reads),
        with Retry-After where it may pass; ``e`` in the server's log."""
        lasting = isinstance(e, StoreUnusable)
        logged(f"{request.method} {request.path}: {e}{NEEDS_FIX if lasting else ''}", trouble=str(e))
        if not lasting:
            response.headers["Retry-After"] = str(e.retry_after)  # the reader's browser, a proxy
        return response

    @app.errorhandler(ConfigError)
    def misconfigured(e: ConfigError) -> Response:
        """503 until the operator fixes it (a template of their `templates:` folder that fails for
        this reader, the folder gone): the file, line and fix in the server's log, none of it on the
        page; the open pages' polls (once a minute each) say it once until one is answered."""
        logged(f"{request.method} {request.path}: {e}{NEEDS_FIX}", trouble=str(e))
        return page("unavailable.html.j2", 503, lasting=True, templates=True, **following("", SLOW_POLL))

    @app.errorhandler(ProfileUnreadable)
    def profile_unreadable(e: ProfileUnreadable) -> Response:  # said in the log where it was raised
        """A link opened (a GET) follows the file: made again once it reads (:func:`following`)."""
        return page("broken.html.j2", 503, posted=e.posted, typed=None, **following("unreadable", POLL))

    @app.errorhandler(NeedsFixing)
    def needs_fixing(_: Exception) -> Response:  # said in the log where it was raised
        return page("unavailable.html.j2", 503, lasting=True, **following("", SLOW_POLL))

    return unavailable_as
