"""The reader's digest as `send` would send it now: the live preview of the preferences page's
edits (``POST /u/<token>/preview``, JSON its script reads, nothing saved) and the email's page
(``/u/<token>/digest``, ``?live=1``: reloaded when anything changes). Where `send` would send no
email, both show the page that says why instead of the email: ``paused.html.j2`` (the reader is
paused), ``stopped.html.j2`` (their mail is stopped: a hard bounce of their address, or an
unsubscribe kept in the database) or ``unsent.html.j2`` (nothing in the digest, and send_empty
off)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, request
from markupsafe import Markup

from digest.compose.outgoing import Outgoing
from digest.compose.preview import preview, preview_store
from digest.config import ConfigError
from digest.deliver.suppressions import BOUNCE, UNSUBSCRIBE, Suppression, Suppressions
from digest.errors import ProfileError, StoreError, StoreUnusable
from digest.models import Profile
from digest.profiles.edit import apply_edit
from digest.web.answers import NEEDS_FIX, PREVIEW_REPAIR, json_answer, preview_busy, public_error
from digest.web.form import FormEdit, default_values, field_errors
from digest.web.ratings import WebParts
from digest.web.site import Site, site_of
from digest.web.unreadable import SAID as UNREADABLE
from digest.web.unreadable import ProfileUnreadable, current_profile
from digest.web.versions import page_versions

log = logging.getLogger(__name__)

STOPPED = {BOUNCE: "address refused", UNSUBSCRIBE: "unsubscribed"}  # the summary's, beside the count


def add_preview_routes(
    app: Flask, parts: WebParts, unavailable_as: Callable[[StoreError, Response], Response]
) -> None:
    """Register the preview and the digest's page on ``app``; ``unavailable_as`` answers a
    database that cannot serve (the 503 of :func:`digest.web.app.create_app`)."""

    cfg, reader, check_post, now = parts.config, parts.reader, parts.check_post, parts.now

    def site() -> Site:
        return site_of(request.environ)

    def previewed(
        user: str, profile: Profile, showed: str | None = None
    ) -> tuple[Outgoing, Suppression | None]:
        """The preview, and what stops mail to the reader as `digest send` plans it (its "note: ada
        is suppressed"): a hard bounce of their address, or an unsubscribe kept in the database, of
        the name whose history they continue. ``showed``: the kept unsubscribe an edit's form
        showed (its time), which saving that form lifts: not a stop for its preview."""
        continued: list[str] = []
        with preview_store(cfg().database) as store:
            out = preview(
                cfg(),
                user,
                now(),
                profile=profile,
                renderer=site().renderer,
                store=store,
                continued=continued,
            )
            blocked = Suppressions(store).blocks(continued[0], out.digest.profile.email)
        if blocked is not None and blocked.kind == UNSUBSCRIBE and showed == blocked.at.isoformat():
            return out, None
        return out, blocked

    def shown(out: Outgoing, blocked: Suppression | None) -> str:
        """What the preview shows: the email, or a page that says no email goes, as `digest send`
        sends none: to a paused reader (`digest preview`'s "note: ada is paused"), to one whose mail
        is stopped (``blocked``: "note: ada is suppressed"), or a digest with nothing in it, not
        sent without send_empty (not a note that never comes)."""
        if out.digest.profile.paused:
            return site().renderer.page("paused.html.j2")
        if blocked is not None:
            return site().renderer.page("stopped.html.j2", stop=blocked, email=out.digest.profile.email)
        return out.rendered.html if out.digest.sent else site().renderer.page("unsent.html.j2")

    @app.post("/u/<token>/preview")
    def preview_form(token: str) -> Response:
        user, path = reader(token)
        check_post(token)
        edit = FormEdit.parse(request.form)
        try:
            current = current_profile(cfg(), user)
        except ProfileUnreadable:  # said in the page's status line, as an answer to its poll says it
            return json_answer({"ok": False, "errors": UNREADABLE, "unreadable": UNREADABLE}, 503)
        edit = edit.as_shown(current)
        try:
            candidate = apply_edit(cfg(), user, edit.change(current, default_values(cfg())), dry_run=True)
            showed = request.form.get("kept_unsubscribe")
            out, blocked = previewed(user, candidate.profile, showed)
        except StoreError as e:  # (a new profile file being saved, the database locked): said by
            # the page's script, which reads JSON, under the preview; the 503 page's HTML it cannot
            said = PREVIEW_REPAIR if isinstance(e, StoreUnusable) else preview_busy(e)
            return unavailable_as(e, json_answer({"ok": False, "errors": said}, 503))
        except ConfigError as e:  # the templates folder gone, or a template of it that fails
            log.error("%s %s: %s%s", request.method, request.path, e, NEEDS_FIX)
            return json_answer({"ok": False, "errors": PREVIEW_REPAIR}, 503)
        except ProfileError as e:  # the fields it names marked by the page, as a refused save's are
            said = public_error(e, path)
            named = field_errors(said, [k for k, _ in edit.interests])  # each said next to its field
            return json_answer({"ok": False, "errors": said, "invalid": list(named), "said": named})
        return json_answer(
            {
                "ok": True,
                "subject": out.rendered.subject,
                "count": len(out.digest.matches),
                "paused": candidate.profile.paused,
                "sent": out.digest.sent,
                "stopped": STOPPED[blocked.kind] if blocked else None,
                "html": shown(out, blocked),
            }
        )

    @app.get("/u/<token>/digest")
    def digest_page(token: str) -> Response:
        """The HTML email as `send` would send it now; ?live=1 reloads it when anything changes."""
        user, path = reader(token)
        # before the preview: the first baseline
        made_at = page_versions(cfg(), user, path, site().profiles, site().renderer.spliced())
        out, blocked = previewed(user, current_profile(cfg(), user))
        html = shown(out, blocked)
        if request.args.get("live"):
            script = '<script src="%s/assets/live.js" data-versions="%s" defer></script>'
            script = Markup(script) % (request.script_root, made_at)
            html = html.replace("</body>", f"{script}</body>", 1)
        return Response(html, mimetype="text/html")
