"""`digest serve`: a reader's preferences page, live preview and one-click unsubscribe (Flask).

Reader URLs are ``/u/<token>/...`` (under base_url's path: :mod:`digest.web.prefix`), signed by
:mod:`digest.signing` (anything else: the same bare 403; a removed reader's: a 410 saying that
no more digests come); forms carry a form token (the unsubscribe button's too) and are refused
from another origin, but for the one-click unsubscribe POST (RFC 8058). Saving goes through
:func:`digest.profiles.edit.apply_edit`, as the command line does; the rating pages are in
:mod:`digest.web.ratings`, the preview in :mod:`digest.web.previews`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from flask import Flask, Response, abort, g, redirect, request

from digest.compose.jinja_env import BUILTIN
from digest.config import Config, ConfigError
from digest.deliver.suppressions import UNSUBSCRIBE, Suppression, Suppressions
from digest.errors import ProfileError, StoreError, StoreUnusable
from digest.models import Profile
from digest.profiles.edit import ProfileConflict, apply_edit, text_version
from digest.signing import Signer
from digest.store import Store
from digest.web.answers import (
    NEEDS_FIX,
    NeedsFixing,
    ReaderGone,
    json_answer,
    origin_of,
    public_error,
)
from digest.web.form import (
    FIELDS,
    OPTIONS,
    SWITCHES,
    WEIGHT,
    FormEdit,
    after_conflict,
    back_to_default,
    default_values,
    field_errors,
    form_field,
    form_values,
    shown_fields,
    terms_text,
    weight_text,
)
from digest.web.identity import held_since, link_reader, searchable, written
from digest.web.outages import Outages
from digest.web.previews import add_preview_routes
from digest.web.ratings import WebParts, add_rating_routes, in_zone, rated_papers
from digest.web.site import LiveSite, Site, site_of
from digest.web.troubles import add_trouble_pages
from digest.web.unreadable import ProfileUnreadable, current_profile, current_text
from digest.web.unsubscribe import LIFTED, add_unsubscribe_routes, kept_unsubscribe, lifted_since
from digest.web.versions import page_versions, versions
from digest.zone_text import NO_PLACE

log = logging.getLogger(__name__)

KEPT_UNSUBSCRIBE = (
    "You unsubscribed on {:%d %B %Y}: no digest is sent to you. To get them again, untick "
    '"Pause my digest" and save.'
)

FORBIDDEN = "This link is not valid. Use the link from your latest digest email.\n"


MAX_FORM_BYTES = 1024 * 1024  # a preferences form with every keyword allowed is a few KB


def create_app(
    config: Config,
    signer: Signer,
    now: Callable[[], dt.datetime],
    reload: Callable[[], Config] | None = None,
) -> Flask:
    """The app; ``reload`` reads the config again when its file changes (by default from its
    path): see :mod:`digest.web.site`."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES  # a larger body: 413 before it is read
    timezones = sorted(available_timezones() - NO_PLACE.keys())  # not localtime: this machine's
    outages = Outages()  # the troubles the pages' polls met, each said once

    def site() -> Site:
        return site_of(request.environ)

    def cfg() -> Config:
        return site().config

    def page(name: str, status: int = 200, **context: Any) -> Response:
        """A templates/web page. The `templates:` folder gone or unreadable, or its page failing:
        the 503 for the operator (:func:`misconfigured`), not the built-in page in silence; but a
        POST's answer, its work done (saved, unsubscribed, rated), or the page it sends back to
        ("?done=saved"), says it in the built-in page, the folder in the log; the 410 and 503 pages
        are built-in."""
        if request.endpoint == "version" and status >= 400:  # a page's poll (broken.js, live.js,
            # prefs.js): it reads the status and Retry-After only; not a page of 6 KB, its script too
            return json_answer({"ok": False}, status)
        renderer = site().renderer
        said = status in (410, 503)
        done = request.method == "POST" or bool(request.args.get("done"))
        try:
            if not said:
                renderer.check_folder()
            html = renderer.page(name, said=said, root=request.script_root, **context)
        except ConfigError as e:
            if not done:
                raise
            log.error(
                "%s %s: %s; answered with the built-in page%s", request.method, request.path, e, NEEDS_FIX
            )
            html = renderer.page(name, said=True, root=request.script_root, **context)
        return Response(html, status=status, mimetype="text/html")

    def logged(said: str, trouble: str | None = None) -> None:
        """``said`` as an error in the server's log; for a page's poll, the same ``trouble`` (by
        default ``said``) again and again, once until a poll is answered (:class:`Outages`)."""
        if request.endpoint == "version":
            outages.say(log, logging.ERROR, said, trouble)
        else:
            log.error("%s", said)

    def reader(token: str) -> tuple[str, Path]:
        """The reader the token was made for (under the name they went on under, if their file
        was renamed) and their file; 403 for a forged token, 410 for a removed reader."""
        signed = site().signer.signed(token)
        if signed is None:
            abort(403)
        try:
            polled = outages if request.endpoint == "version" else None
            found = link_reader(cfg(), signed, now(), polled)  # renamed: the new name; removed: None
        except ProfileError as e:
            logged(f"{request.method} {request.path}: {e}", trouble=str(e))
            if not searchable(cfg().profiles):  # unmounted, moved, or closed to this account: nobody's
                if not cfg().profiles.is_dir():  # profile can be read (the reason, if closed, said above)
                    gone = (
                        f"the profiles folder {cfg().profiles} is gone: mount or restore it, or fix "
                        f"`profiles:` in {cfg().path or 'the config'}{NEEDS_FIX}"
                    )
                    logged(gone)
                raise NeedsFixing() from None
            abort(403)  # a profile that is a link outside the folder: never read
        if found is None:
            raise ReaderGone()  # a signed link, so a real reader's: tell them plainly
        g.form_token = site().signer.form_token(token)
        g.held_since = held_since(found[1])  # saved through this link: still the reader's (identity)
        return found

    def unsubscribed(user: str) -> Suppression | None:
        try:
            return kept_unsubscribe(cfg(), user)
        except StoreError:
            return None

    def check_post(token: str, need_form_token: bool = True) -> None:
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin not in (origin_of(request.host_url), site().base_origin):
            abort(403)
        if need_form_token and not site().signer.check_form_token(token, request.form.get("csrf")):
            abort(403)

    def prefs_page(token: str, user: str, path: Path, status: int = 200, **extra: Any) -> Response:
        posted = request.method == "POST"
        # before what it shows: its script's first baseline
        made_at = page_versions(cfg(), user, path, site().profiles, site().renderer.spliced())
        text = current_text(path, user, posted)  # before the profile: a change between is a conflict
        ratings = rated_papers(cfg(), user)
        profile = extra.pop("profile", None) or current_profile(cfg(), user, posted)
        ratings = in_zone(ratings, profile.timezone)  # dated by the reader's calendar
        context = {
            "token": token,
            "csrf": g.form_token,
            "profile": profile,
            "interests": [(i.phrase, weight_text(i.weight)) for i in profile.interests],
            "exclude": terms_text(profile.exclude),
            "exclude_shown": terms_text(profile.exclude),  # what a save compares the field with (409)
            "shown": shown_fields(profile),  # and the others
            "values": form_values(profile),
            "switches": {key: getattr(profile, OPTIONS[key].name) for key in SWITCHES},
            "fields": [form_field(OPTIONS[key]) for key in FIELDS],
            "checkboxes": [form_field(OPTIONS[key]) for key in SWITCHES],
            "weight_field": WEIGHT,
            "timezones": timezones,
            "base_version": text_version(text),
            "ratings": ratings if isinstance(ratings, list) else None,
            "ratings_lasting": isinstance(ratings, StoreUnusable),
            "ratings_all": request.args.get("ratings") == "all",  # else the latest RATINGS_SHOWN
            "errors": None,
            "invalid": [],
            "notice": None,
            "outcome": None,  # "done" or "conflict": the notice says what the reader just did
            "kept_unsubscribe": None,
            "kept_note": None,
            "versions": made_at,
        }
        sent = extra.pop("conflicted", None)
        context.update({k: v for k, v in extra.items() if v is not None})
        if context["errors"]:  # each field they name marked, the first focused
            context["field_said"] = field_errors(context["errors"], [p for p, _ in context["interests"]])
            context["invalid"] = list(context["field_said"])
        if sent is not None:  # a 409: the file's values where the page's were not typed in
            shown, said = after_conflict(request.form, sent, profile)
            context.update(shown, outcome="conflict")
            context["notice"] = f"{context['notice']} {said}".strip() if said else context["notice"]
        kept = unsubscribed(user) if isinstance(ratings, list) else None  # the database answers
        if kept is not None:  # asked while the file could not be read: shown paused, a save says it
            seen = request.form.get("kept_unsubscribe") == kept.at.isoformat()  # the form posted showed it
            if "switches" not in extra or not seen:  # (a form sent back: what they ticked, once told)
                context["switches"] = {**context["switches"], "paused": True}
                context["shown"] = {**context["shown"], "paused": "on"}  # drawn so: a 409 compares it
            # after a conflict's notice or "Saved.": both said; the note describes the pause box too
            context["kept_note"] = KEPT_UNSUBSCRIBE.format(kept.at)
            context["kept_unsubscribe"] = kept.at.isoformat()  # a save of this form may lift it
        return page("prefs.html.j2", status, **context)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
            "img-src 'self' data: https:; connect-src 'self'; frame-src 'self'; "
            "frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
        )
        return response

    @app.errorhandler(403)
    def forbidden(_: Exception) -> Response:
        return Response(FORBIDDEN, status=403, mimetype="text/plain")

    unavailable_as = add_trouble_pages(app, page, logged)

    @app.get("/")
    def index() -> Response:
        return Response("digest: open the link in your digest email.\n", mimetype="text/plain")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @app.get("/assets/<name>")
    def asset(name: str) -> Response:
        if name not in ("prefs.js", "live.js", "broken.js"):
            abort(404)
        js, _, _ = BUILTIN.get_source(None, f"web/{name}")  # the release's this process started with
        return Response(js, mimetype="text/javascript")

    @app.get("/u/<token>")
    def preferences(token: str) -> Response:
        user, path = reader(token)
        notice = {"saved": "Saved.", "resubscribed": "Welcome back: your digests are on again."}
        notice["rating-clear"] = "Rating removed."
        done = notice.get(request.args.get("done", ""))
        emptied = request.args.getlist("default") if done == "Saved." else []
        if not emptied:
            return prefs_page(token, user, path, notice=done, outcome="done" if done else None)
        said = back_to_default(emptied, current_profile(cfg(), user))  # the fields the save emptied, now
        return prefs_page(token, user, path, notice=f"{done} {said}".strip(), outcome="done")

    @app.post("/u/<token>")
    def save(token: str) -> Response:
        user, path = reader(token)
        check_post(token)
        edit = FormEdit.parse(request.form)
        try:
            current = current_profile(cfg(), user, posted=True)  # a broken file: never saved over
        except ProfileUnreadable:  # what they typed is shown back, and can be sent again as it is
            typed = {"described": edit.described(), "fields": list(request.form.items(multi=True))}
            return page("broken.html.j2", 503, posted=True, typed=typed, token=token, follow=None)
        edit = edit.as_shown(current)
        if edit.switches.get("paused") and lifted_since(cfg(), user, request.form.get("kept_unsubscribe")):
            return _resubmit(token, user, path, edit, 409, notice=LIFTED + _CONFLICT, conflicted=edit)
        try:
            dropped: list[str] = []  # the fields emptied whose line the file had: back to the default
            change = edit.change(current, default_values(cfg()), dropped)
            with ExitStack() as lifting:  # a kept unsubscribe lifted first, undone if the file is not written
                first = lift_first(user, lifting)
                base = request.form.get("base_version")
                apply_edit(cfg(), user, change, expect_version=base, before_write=first, settle=lifting)
        except ProfileConflict as e:
            notice = public_error(e, path) + _CONFLICT
            return _resubmit(token, user, path, edit, 409, notice=notice, conflicted=edit)
        except ProfileError as e:
            return _resubmit(token, user, path, edit, 422, errors=public_error(e, path))
        written(path, g.held_since)
        emptied = "".join(f"&default={key}" for key in dropped)
        return redirect(f"{request.script_root}/u/{token}?done=saved{emptied}", code=303)

    def lift_first(user: str, lifting: ExitStack) -> Callable[[Profile], None]:
        """For a save's apply_edit (before_write): the unsubscribe kept in the database lifted once
        the file says paused, or by a form that showed it (its pause box ticked for it: what the
        reader left it), in a transaction ``lifting`` holds open while the file is written, and
        commits after: not written (a full disk), the unsubscribe stays kept; not lifted (the
        database held by another process longer than the wait), the file is not written and the
        reader gets the 503 that asks them to try again, nothing saved (before, "Saved." was never
        said, yet the file was, the unsubscribe kept). The database that cannot be read: the file is
        written as it would be without one, unless the form showed one and its pause box was
        unticked (the reader's digests asked for again): then nothing is saved (before, "Saved.",
        the unsubscribe kept once the database was back)."""

        def first(profile: Profile) -> None:
            unticked = request.form.get("kept_unsubscribe") and not profile.paused  # digests again:
            kept = kept_unsubscribe(cfg(), user) if unticked else unsubscribed(user)  # lifted, or a 503
            if kept and (profile.paused or request.form.get("kept_unsubscribe") == kept.at.isoformat()):
                store = lifting.enter_context(Store(cfg().database))
                lifting.enter_context(Suppressions(store).releasing(user, UNSUBSCRIBE))

        return first

    def _resubmit(token: str, user: str, path: Path, edit: FormEdit, status: int, **extra: Any) -> Response:
        """The page again with what the reader typed (nothing lost), and why it was not saved."""
        form = request.form
        values = {k: form.get(k, "") for k in FIELDS}
        interests = [(k, weight_text(w) if isinstance(w, float) else str(w)) for k, w in edit.interests]
        base = request.form.get("base_version") if status == 422 else None
        extra = {"interests": interests, "exclude": terms_text(edit.exclude), "values": values, **extra}
        extra["switches"] = edit.switches
        if base:
            extra["base_version"] = base
        return prefs_page(token, user, path, status, **extra)

    @app.get("/u/<token>/version")
    def version(token: str) -> Response:
        user, path = reader(token)
        # the `templates:` folder gone: the 503 its pages answer (a 200 reloaded an open page onto
        # its 503 page, and that page again once a minute, until the folder was back)
        site().renderer.check_folder()
        answer = json_answer(versions(cfg(), user, path, site().profiles, site().renderer.spliced()))
        outages.answered(log)
        return answer

    parts = WebParts(cfg, reader, check_post, page, now)
    add_preview_routes(app, parts, unavailable_as)
    add_rating_routes(app, parts)
    add_unsubscribe_routes(app, parts)
    app.wsgi_app = LiveSite(config, signer, reload).middleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


_CONFLICT = ". The form below shows your edits over the current profile: saving again keeps the other "
_CONFLICT += "change wherever you did not edit, or reload the page to start from the current profile."
