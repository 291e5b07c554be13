"""Rating papers from the email: "More like this" / "Less like this", and undoing a rating.

Each paper in a digest links to ``/u/<token>/more/<paper id>`` and ``/u/<token>/less/<paper
id>`` (digest.compose.message.unsubscribe_links). A GET of those changes nothing (mail
scanners and link previews fetch every URL in a message): it shows the paper's title and one
button, a POST form with the reader's form token. The POST to ``/u/<token>/rate/<paper id>``
records the rating with :meth:`digest.store.Store.rate`, the call `digest feedback` makes,
and answers with what happened and an undo (a POST that puts the previous rating back). The
preferences page lists the reader's ratings (:func:`rated_papers`) with a button to clear each.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, abort, g, redirect, request

from digest.config import Config
from digest.deliver.suppressions import Suppressions
from digest.errors import DigestError, StoreError
from digest.models import Paper
from digest.profiles.load import load_profile
from digest.store import Rating, Store
from digest.store_ratings import RATING_NAMES as NAMES
from digest.store_ratings import RATING_VALUES as VALUES
from digest.web.carried import carried_for_write

log = logging.getLogger(__name__)

# The form's values are the store's rating names (VALUES): 1 more, -1 less like this, None none.
DONE = {
    1: "Noted: you will see more papers like this one.",
    -1: "Noted: you will see fewer papers like this one.",
    None: "Your rating of this paper is removed.",
}


@dataclass(frozen=True)
class WebParts:
    """What the rating routes take from :func:`digest.web.app.create_app`."""

    config: Callable[[], Config]  # the config of the request (read again when its file changes)
    reader: Callable[[str], tuple[str, Path]]  # token -> (user, profile file), or 403 (410: removed)
    check_post: Callable[..., None]  # (token, need_form_token=True): same origin and the form token, or 403
    page: Callable[..., Response]  # a templates/web page
    now: Callable[[], dt.datetime]


def rated_papers(config: Config, user: str) -> list[Rating] | StoreError:
    """The reader's ratings, the latest first, for the preferences page; or why the database
    cannot be read (locked, gone): the page, which edits the profile file, still opens."""
    try:
        with Store(config.database) as store:
            return store.rated_papers(user)
    except StoreError as e:
        log.warning("ratings of %s not shown: %s", user, e)
        return e


def in_zone(ratings: list[Rating] | StoreError, timezone: str) -> list[Rating] | StoreError:
    """The ratings with their times in the reader's zone (their profile's ``timezone``): the page
    dates each by the reader's calendar, as their digests are, not by UTC's."""
    if not isinstance(ratings, list):
        return ratings
    zone = ZoneInfo(timezone)
    return [replace(r, rated_at=r.rated_at.astimezone(zone)) for r in ratings]


MAX_PAPER_ID = 2**63 - 1  # the largest id a database integer holds


class PaperGone(Exception):
    """A rating link's paper is not in the database (any more): its 404 page says so."""


def add_rating_routes(app: Flask, parts: WebParts) -> None:
    """Register the rating pages on ``app``."""

    @app.errorhandler(PaperGone)
    def paper_gone(_: Exception) -> Response:
        token = (request.view_args or {}).get("token", "")
        return parts.page("paper_gone.html.j2", 404, token=token)

    def find(paper_id: int) -> Paper:
        if paper_id > MAX_PAPER_ID:  # no database integer holds it: no such paper
            raise PaperGone
        with Store(parts.config().database) as store:  # a link sent before its paper was merged: that one
            found = store.papers([store.current_paper_id(paper_id)])
        if not found:
            raise PaperGone
        return found[0]

    def current(user: str, paper_id: int) -> int | None:
        with Store(parts.config().database) as store:
            return store.ratings(user).get(paper_id)

    def whose(user: str) -> dict[str, Any]:
        """The address ``user``'s digests go to (a forwarded digest's links rate for its reader,
        which the page says), whether they are paused (no next digest to learn from it until
        they resume) and what else stops their mail (:func:`stopped`). No address and not paused
        if the profile cannot be read now (the page goes on without)."""
        try:
            profile = load_profile(parts.config(), user)
        except DigestError:
            profile = None
        email = None if profile is None else profile.email
        paused = profile is not None and profile.paused
        return {"email": email, "paused": paused, "stopped": stopped(user, email)}

    def stopped(user: str, email: str | None) -> str | None:
        """What stops mail to ``user`` now, as `digest send` plans them (Suppressions.blocks):
        "bounce" (their address refused for good), "unsubscribe" (their unsubscribe kept in the
        database, any address), or None; None if it cannot be read. Without their address (their
        profile unreadable now), only an unsubscribe is known to stop them."""
        try:
            with Store(parts.config().database) as store:
                suppressions = Suppressions(store)
                found = suppressions.unsubscribed(user) if email is None else suppressions.blocks(user, email)
        except StoreError:
            return None
        return None if found is None else found.kind

    def ask(token: str, paper_id: int, wanted: str) -> Response:
        user, _ = parts.reader(token)
        paper = find(paper_id)
        context: dict[str, Any] = {"token": token, "csrf": g.form_token, "paper": paper, "wanted": wanted}
        context.update(whose(user))
        return parts.page("rate.html.j2", rating=NAMES[current(user, paper.id)], done=None, **context)

    @app.get("/u/<token>/more/<int:paper_id>")
    def more_like_this(token: str, paper_id: int) -> Response:
        return ask(token, paper_id, "up")

    @app.get("/u/<token>/less/<int:paper_id>")
    def less_like_this(token: str, paper_id: int) -> Response:
        return ask(token, paper_id, "down")

    @app.post("/u/<token>/rate/<int:paper_id>")
    def rate(token: str, paper_id: int) -> Response:
        user, _ = parts.reader(token)
        parts.check_post(token)
        name = request.form.get("rating", "")
        if name not in VALUES:
            abort(400)
        paper = find(paper_id)
        value = VALUES[name]
        try:
            carried_for_write(parts.config(), user, parts.now(), "a rating")  # bob.yaml now robert.yaml
            with Store(parts.config().database) as store:
                previous = store.rate(user, paper_id, value, parts.now())
        except StoreError:
            find(paper_id)  # 404 if the paper went away between the two queries
            raise  # else the database's trouble (locked, full): the app's 503 page
        log.info("%s rated paper %d: %s", user, paper_id, name)
        if (back := request.form.get("back")) in ("preferences", "preferences-all"):  # the list it was in
            every = "ratings=all&" if back == "preferences-all" else ""
            return redirect(f"{request.script_root}/u/{token}?{every}done=rating-{name}#ratings", code=303)
        return parts.page(
            "rate.html.j2",
            token=token,
            csrf=g.form_token,
            paper=paper,
            wanted=name,
            rating=name,
            done=DONE[value],
            undo=NAMES[previous] if previous != value else None,
            **whose(user),
        )
