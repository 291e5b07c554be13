"""Unsubscribing from the email: the one-click POST (RFC 8058) and the page of the footer's link,
with its undo.

An unsubscribe pauses the reader in their profile file (``paused: true``). When the file cannot
be read (a hand edit broke it), the request is not lost: mail providers do not try a one-click
POST again, so it is kept in the database as a suppression of kind ``unsubscribe``
(:meth:`digest.deliver.suppressions.Suppressions.unsubscribe`), which stops every digest to the
reader, whatever the file says once fixed. It stays until the reader undoes it (this page's
undo, or a save of the preferences form, which then shows them paused), or the operator writes
it into the file (`digest profile set USER paused true`) or releases it (`digest suppressed
--release USER`).
"""

from __future__ import annotations

import errno
import logging
from contextlib import ExitStack
from pathlib import Path

from flask import Flask, Response, g, redirect, request

from digest.config import Config
from digest.deliver.suppressions import (
    ONE_CLICK_ASKED,
    PAGE_ASKED,
    Suppression,
    Suppressions,
    kept_unsubscribe_reason,
)
from digest.errors import ProfileError, StoreError
from digest.profiles.edit import Change, Data, ProfileNotSaved, apply_edit
from digest.store import Store
from digest.web.answers import NEEDS_FIX, NeedsFixing, ReaderGone
from digest.web.carried import carried_for_write
from digest.web.identity import written
from digest.web.ratings import WebParts
from digest.web.unreadable import ProfileUnreadable, current_profile, unreadable

log = logging.getLogger(__name__)
CLOSED = (errno.EACCES, errno.EPERM)  # a folder this account may not make files in: not its disk


def kept_unsubscribe(config: Config, user: str) -> Suppression | None:
    """``user``'s unsubscribe kept in the database (asked while their file could not be read)."""
    with Store(config.database) as store:
        return Suppressions(store).unsubscribed(user)


LIFTED = (
    "Your unsubscribe was lifted since this page was opened (digests go to you again), so it was "
    "not saved: the pause box now shows your profile as it is"
)


def lifted_since(config: Config, user: str, shown: str | None) -> bool:
    """Was the unsubscribe kept in the database that a page showed (``shown``: its form's
    kept_unsubscribe; its pause box ticked for it) lifted since (`digest suppressed --release`,
    `digest profile set USER paused false`)? A save of that form would pause the reader again.
    The database unavailable: not known, so no (the save goes on, as without it)."""
    if not shown:
        return False
    try:
        return kept_unsubscribe(config, user) is None
    except StoreError:
        return False


def add_unsubscribe_routes(app: Flask, parts: WebParts) -> None:
    """Register the unsubscribe pages on ``app``."""

    def show(token: str, profile: object, done: bool = False, back: bool = False) -> Response:
        """The page: ``profile`` None when its file cannot be read (then it names no address); after
        a POST, its heading takes the focus (what happened)."""
        context = {"token": token, "csrf": g.form_token, "profile": profile, "done": done, "back": back}
        context["posted"] = request.method == "POST"
        return parts.page("unsubscribe.html.j2", **context)

    @app.get("/u/<token>/unsubscribe")
    def unsubscribe_page(token: str) -> Response:
        user, _ = parts.reader(token)
        try:
            kept = kept_unsubscribe(parts.config(), user)
        except StoreError as e:  # the file tells: the page opens without the database, as before
            log.warning("%s's unsubscribe kept in the database not looked at: %s", user, e)
            kept = None
        try:
            profile = current_profile(parts.config(), user)
        except ProfileUnreadable:  # the button still works: the request is kept in the database
            profile = None
        return show(token, profile, done=kept is not None)

    @app.post("/u/<token>/unsubscribe")
    def unsubscribe(token: str) -> Response:
        """RFC 8058 one-click: the signed URL is the authorization; pause at once."""
        try:
            user, path = parts.reader(token)
        except ReaderGone:  # what was asked is so: no digest goes to a removed reader
            folder = parts.config().profiles
            if not _holds_profiles(folder):  # or a disk not mounted: its empty mount point
                log.error("one-click unsubscribe: the profiles folder %s is empty%s", folder, NEEDS_FIX)
                raise NeedsFixing() from None  # a 200 would be lost when it is back; a 503 is tried again
            return parts.page("gone.html.j2")
        one_click = _one_click()
        if not one_click:  # the page's button: its form token, as
            parts.check_post(token)  # every form of the page (its Origin is "null": no-referrer)
        try:  # a broken file stays as it is; the request is kept in the database (no retry is asked)
            edited = apply_edit(parts.config(), user, _set_paused(True))
        except ProfileError as e:
            unreadable(user, e, posted=True)  # the file, its line and what is wrong: in the log
            keep(user, one_click, unsaved=e if isinstance(e, ProfileNotSaved) else None)
            return show(token, None, done=True)
        written(path, g.held_since)
        log.info("unsubscribed %s", user)
        return show(token, edited.profile, done=True)

    def keep(user: str, one_click: bool, unsaved: ProfileNotSaved | None = None) -> None:
        """The unsubscribe kept in the database, as it was asked (``one_click``: RFC 8058's POST, else
        the page's button); ``unsaved``: the file is sound, its disk full or read-only, or its folder
        one this account may not make files in (then said so: no room made nor remount cures it)."""
        asked = ONE_CLICK_ASKED if one_click else PAGE_ASKED
        closed = unsaved is not None and unsaved.error is not None and unsaved.error.errno in CLOSED
        how = kept_unsubscribe_reason(asked, bool(unsaved), closed)  # what `send`, `status`, `suppressed` say
        try:
            if unsaved:  # a sound file: its address says whom a renamed file continues, carried over first
                carried_for_write(parts.config(), user, parts.now(), "an unsubscribe")
            with Store(parts.config().database) as store:
                Suppressions(store).unsubscribe(user, parts.now(), how)
        except Exception:  # a 503 (a 500: a bug) may be tried again or not: the operator is told
            log.error(
                "unsubscribe of %s NOT done: they asked for no more digests, but neither their profile "
                "file nor the database can be written; once they are fixed, pause them: "
                "`digest profile set %s paused true`",
                user,
                user,
            )
            raise
        why, when = (
            ("written", "its disk takes it (room made on it, or it remounted read-write)")
            if unsaved
            else ("read", "the file is fixed")
        )
        if closed:
            when = (
                "the profiles folder is writable for this account (or now, by an account that may write it)"
            )
        log.warning(
            "unsubscribe of %s kept in the database (their profile file cannot be %s): no digest goes "
            "to them until they undo it from their page; once %s, "
            "`digest profile set %s paused true` writes it into the file",
            user,
            why,
            when,
            user,
        )

    @app.post("/u/<token>/resubscribe")
    def resubscribe(token: str) -> Response:
        user, path = parts.reader(token)
        parts.check_post(token)
        carried_for_write(parts.config(), user, parts.now(), "an undo of the unsubscribe")  # the bounce too
        try:
            current = current_profile(parts.config(), user, posted=True)
        except ProfileUnreadable:  # the file as it is, and a bounce kept; an unsubscribe kept, undone
            if kept_unsubscribe(parts.config(), user) is None:
                raise
            with Store(parts.config().database) as store:
                Suppressions(store).release(user)
            log.info("%s undid their unsubscribe (kept in the database)", user)
            return show(token, None, back=True)
        # resubscribing also lifts a hard bounce; before the file is written, so that a database error
        # leaves the reader paused, in a transaction held open while it is: not written while the
        # file pauses them, not lifted either (the 503 says nothing of their settings was changed)
        # an unsubscribe kept while the disk was full, the file not pausing them: undone by the
        # release alone, the file left as it is, said in the log (the operator was told to write
        # `paused true` once the disk takes it)
        kept = not current.paused and kept_unsubscribe(parts.config(), user) is not None
        undone = False  # the kept unsubscribe undone by the release alone: said once it is committed
        with ExitStack() as lifting:
            lifted = _Releasing(parts.config(), user, lifting)
            try:
                edited = apply_edit(parts.config(), user, _unpaused, before_write=lifted, settle=lifting)
            except ProfileNotSaved as e:  # a sound file its disk refused: logged, not said as a broken file
                unreadable(user, e, posted=True)
                if current.paused:  # the file still pauses them: not done, until the operator makes room
                    raise NeedsFixing() from None
                if not lifted.held:  # refused before the file was to be written: lifted all the same
                    lifted(current)
                undone = True
            except ProfileError as e:
                raise unreadable(user, e, posted=True) from None
            else:
                written(path, g.held_since)
                undone = kept and not edited.changed
        if undone:  # committed (the file unchanged, apply_edit leaves the commit to this block's end)
            log.info(
                "%s undid their unsubscribe (kept in the database; their file does not pause them)", user
            )
        return redirect(f"{request.script_root}/u/{token}?done=resubscribed", code=303)


class _Releasing:
    """For apply_edit's ``before_write``: the reader's suppressions lifted in a transaction
    ``lifting`` holds open (committed once it ends, rolled back if what it holds raises)."""

    def __init__(self, config: Config, user: str, lifting: ExitStack) -> None:
        self.config, self.user, self.lifting = config, user, lifting
        self.held = False

    def __call__(self, _: object) -> None:
        store = self.lifting.enter_context(Store(self.config.database))
        self.lifting.enter_context(Suppressions(store).releasing(self.user))
        self.held = True


def _one_click() -> bool:
    """A one-click POST (RFC 8058): its form (its value as a line too: "One-Click\\r\\n"), or its
    body as it is when a client sent it without the form's Content-Type."""
    value = request.form.get("List-Unsubscribe", "")
    return value.strip() == "One-Click" or request.get_data().strip() == ONE_CLICK


ONE_CLICK = b"List-Unsubscribe=One-Click"


def _holds_profiles(folder: Path) -> bool:
    try:
        return any(p.suffix in (".yaml", ".yml") for p in folder.iterdir())
    except OSError:
        return False


def _unpaused(data: Data, path: Path) -> None:
    """The undo's change: ``paused: false`` where the file pauses the reader; a file that does not
    (an unsubscribe kept while its disk was full) is left as it is, not written: the undo is then
    the release alone, done where the file could not be written (a full disk, a folder this account
    may not make files in), not refused as a change not saved."""
    if data.get("paused"):
        data["paused"] = False


def _set_paused(value: bool) -> Change:
    def apply(data: Data, path: Path) -> None:
        data["paused"] = value

    return apply
