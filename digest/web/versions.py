"""What an open page polls (GET /u/<token>/version, every 1.5 s): the reader's profile file, and
what the preview is built from besides it. A change of either reloads the live preview (or its
frame on the preferences page): templates/web/live.js and prefs.js. The page carries the versions
it was made at (:func:`page_versions`), which the first poll compares with: a change between the
page's making and that poll reloads it too. While the profile file cannot be read (a hand edit
broke it, a copy in progress), the answer says so (``unreadable``: the words of its 503 page): the
page does not reload onto that page (its form and edits would be lost); it says them and waits
until the file reads again. That page, answered to a GET, asks the same (templates/web/broken.js)
and is made again once the file reads; so do a GET's 410 (the reader removed: put back) and 503
(the database unusable: repaired) once the answer is another."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from digest.config import Config
from digest.deliver.suppressions import Suppressions
from digest.errors import StoreError
from digest.file_stamps import file_stamp
from digest.profiles.load import Versions
from digest.store import Store
from digest.web import held
from digest.web.unreadable import SAID as UNREADABLE


def file_version(path: Path) -> str:
    """The profile file's: its size and bytes ("missing": it cannot be read). Not its time: a file
    written again as it was (put back after its removal, a save that changes nothing) is not a
    change an open page with edits should tell its reader to reload for, losing them."""
    try:
        data = path.read_bytes()
    except OSError:
        return "missing"
    return f"{len(data)}:{hashlib.sha256(data).hexdigest()[:16]}"


def content_version(config: Config, user: str, included: Iterable[str] = ()) -> tuple[str, str, str]:
    """Changes when the config file (the defaults a reader inherits: `digest serve` reads it again
    at the next request), a template of the `templates:` folder, the papers or the reader's ratings
    change: the preview must be rebuilt. With the reader's ratings' own version (one database
    read for all): the preferences page's list of ratings is read again when it changes
    (templates/web/prefs.js); and when the reader's unsubscribe kept in the database was asked
    ("": none), which stands for their file's pause (:func:`versions`). ``included``: the files
    digest.html.j2 includes, read with it (Renderer.spliced), outside the folder's own files."""
    h = hashlib.sha256(f"{file_stamp(config.path)};".encode())
    for f in included:
        h.update(f"{f}:{file_stamp(f)};".encode())
    for f in email_template_files(config.templates):
        h.update(f"{f}:{file_stamp(f)};".encode())

    def read(store: Store) -> tuple[str, str, str]:
        kept = Suppressions(store).unsubscribed(user)
        return store.version(), store.ratings_version(user), kept.at.isoformat() if kept else ""

    stored, ratings, kept = held.read(config.database, read)
    h.update(f"{stored}|{ratings}".encode())
    return h.hexdigest()[:16], ratings, kept


def email_template_files(folder: Path | None) -> list[str]:
    """The files of the ``templates:`` folder the email may be made from: every one, in its
    subfolders too (a base template digest.html.j2 extends, the macros it imports, a file it or
    digest.txt.j2 includes, read by Jinja as they change), but those of ``web/`` (the pages, made
    again at each request), hidden ones (``.git``) and those an editor leaves beside a template
    (:func:`left_by_an_editor`: an unsaved edit's auto-save does not reload the open page). A
    subfolder that is a symbolic link is looked in, as Jinja reads through it (``parts ->
    ../shared-parts``), each folder once (a link back up, ``loop -> ..``, is not walked round).
    The built-in ones are this process's, read as it started (BUILTIN): none."""
    if folder is None or not folder.is_dir():
        return []
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    for top, dirs, files in os.walk(folder, followlinks=True):
        try:
            st = os.stat(top)
        except OSError:
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:  # reached again through a link
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (top, d) != (str(folder), "web"))
        found += [os.path.join(top, f) for f in sorted(files) if not left_by_an_editor(f)]
    return found


def left_by_an_editor(name: str) -> bool:
    """A file an editor leaves beside the one edited, not a template saved: hidden ones (vim's
    ``.x.swp``, Emacs's lock ``.#x``), Emacs's auto-save ``#x#`` (written again every few hundred
    keystrokes of an unsaved edit), the backups ``x~`` (Emacs, vim, gedit, nano) and vim's probe
    (:func:`vims_probe`). Not ``x.bak`` nor ``x.orig``: no editor writes them unasked (a copy
    someone made, patch's), files of the folder as any other."""
    hidden = name.startswith(".") or name.endswith("~")
    return hidden or (len(name) > 1 and name[0] == name[-1] == "#") or vims_probe(name)


def vims_probe(name: str) -> bool:
    """The file vim's `:w` makes beside the file it saves and removes at once, to try whether it
    may make files there (its 'backupcopy' auto, the default): ``4913``, or ``5036``, ``5159``, ...
    (123 more at each try) where that name is taken (vim's bufwrite.c)."""
    return name.isascii() and name.isdigit() and int(name) >= 4913 and (int(name) - 4913) % 123 == 0


def readable(path: Path, known: Versions) -> bool:
    """Does ``path`` read as a profile now? Parsed again only when its identity on disk changed
    since the last poll, or while it was written within two seconds (:class:`Versions`): a poll
    every 1.5 s of each open page parsed its YAML each time, more than half of the poll's work for
    a profile of 100 interests (the most one may have) and 100 excludes (a real `digest serve`'s
    CPU: 8.4 ms a poll, 3.4-3.5 ms without it)."""
    identity = file_stamp(path)
    return identity is not None and known.profile(str(path), identity) is not None


def versions(
    config: Config, user: str, path: Path, known: Versions, included: Iterable[str] = ()
) -> dict[str, str]:
    """What GET /u/<token>/version answers: the profile's, the content's and the ratings', and
    ``unreadable`` while the profile file cannot be read (not logged: asked every 1.5 s; the page
    the reader opens says it in the log, with the file, the line and what is wrong). The
    profile's is its file's and, where there is one, its unsubscribe kept in the database (asked
    while the file could not be read: the preferences page shows it, its pause box ticked): one
    lifted without a word to the file (`digest profile set USER paused false` on a file that says
    so already) or kept is followed by an open page as an edit of the file is. ``known``: the files
    as the polls read them (:func:`readable`)."""
    content, ratings, kept = content_version(config, user, included)
    profile = file_version(path) + (f"|unsubscribed {kept}" if kept else "")
    said = {"profile": profile, "content": content, "ratings": ratings}
    return said if readable(path, known) else {**said, "unreadable": UNREADABLE}


def page_versions(
    config: Config, user: str, path: Path, known: Versions, included: Iterable[str] = ()
) -> str:
    """The versions a page is made at, as JSON for its script (read before the page is: a change
    meanwhile reloads it once more, never one missed); "null" when the database cannot be read
    (the page made without it): the script's first poll is then its baseline, as before."""
    try:
        return json.dumps(versions(config, user, path, known, included))
    except StoreError:
        return "null"
