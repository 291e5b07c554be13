"""Which reader a signed link opens: the one it was made for, or nobody.

A link names a profile file's stem and when it was signed (digest.signing). It opens:

- a renamed reader's page under their new name, if it was signed before the rename
  (``reader_renames``, digest.daemon.renamed); signed after, it was made for whoever had the
  old name then; signed before the old name's file was found gone, earlier than the rename,
  for an earlier reader of that name: nobody;
- nobody (the 410 page) if the name's file was found gone after it was signed
  (``reader_name_removals``, digest.daemon.removals: every time, not only the last): the file
  there now is a later reader's;
- a removed reader's page under the name a renamed file continues them with, carried over
  now if no pass did yet (:func:`digest.daemon.renamed_link.carried_for_link`), unless the name's
  file was found gone since the link was signed (the renamed file continues a later reader of
  the name); else nobody, but in a process whose profiles folder is not the workers': there a
  name the workers never found gone waits (:func:`not_elsewhere`, a 503).

Links signed before links carried their time (schema 19) are taken as signed before every
rename and every file found gone since; one whose name was renamed before then and is someone's
file again could be either reader's: it opens nobody's.

The database is only read here (a carry-over that is pending writes it). If it cannot be read,
a link opens its name's profile file only if the file has not changed since the link was signed
(:func:`unchanged_since`): then it is the file its message was made from, whoever had the name
before or after, so the reader can still unsubscribe or edit during the outage. A file changed
since (a later reader's, or the reader's own edit), or a link without its time, waits for the
database: the app's 503, which says the trouble. The page that opens edits the file and says
the database's trouble.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from digest.config import Config
from digest.daemon.removals import gone_times
from digest.daemon.renamed_link import carried_for_link
from digest.dbfaults import may_read
from digest.errors import StoreError, StoreUnusable
from digest.profiles.load import find_profile_file, has_profile_file
from digest.signing import Signed
from digest.store import Store
from digest.web import held
from digest.web.outages import Outages

log = logging.getLogger(__name__)


def link_reader(
    config: Config, signed: Signed, now: dt.datetime, polled: Outages | None = None
) -> tuple[str, Path] | None:
    """The name and profile file of the reader ``signed`` was made for (under the name they go
    on under); None: that reader receives no digests any more. ProfileError: the name has a file
    that cannot be read, or the profiles folder is gone (not a removed reader). ``polled``: asked
    for a page's poll, whose troubles are said there, once each."""

    def read(store: Store) -> tuple[str, str | None, list[str]] | None:
        followed = _follow(config, store, signed)
        if followed is None:
            return None
        name, renamed_at = followed
        return name, renamed_at, gone_times(store.db, name)

    try:
        found = held.read(config.database, read, readonly=True)  # at every poll (digest.web.held)
        if found is None:
            return None
        name, renamed_at, gone = found
    except StoreError as e:

        def say(text: str) -> None:
            if polled is None:
                log.warning("%s", text)
            else:
                polled.say(log, logging.WARNING, text)

        if not has_profile_file(config, signed.user):
            raise
        path = find_profile_file(config, signed.user)
        if not unchanged_since(path, signed):  # maybe a later reader's: the 503, tried again
            say(f"{signed.user}'s link waits for the database (their file changed since it was signed)")
            raise
        say(f"{signed.user}'s link opens their profile file, unchanged since it was signed: {e}")
        return signed.user, path
    if removed(config, name):  # (not find_profile_file's error: it looks for a name like it)
        new = carried_for_link(config, name, now)  # renamed, no pass since: carried over now
        if new is None and not _gone_since(signed, gone, renamed_at):
            not_elsewhere(config, name, now)  # the workers never found it gone: is it only our folder?
        if new is None or _removed_since(config, name, signed, renamed_at):  # a later reader's rename
            return None
        return new, find_profile_file(config, new)
    path = find_profile_file(config, name)
    if _gone_since(signed, gone, renamed_at):  # the file was gone since: a later reader's
        return None
    return name, path


def not_elsewhere(config: Config, user: str, now: dt.datetime) -> None:
    """A name without a file here whose file the workers never found gone: StoreUnusable (a 503
    that says the operator must fix it) if this process's profiles folder is not the workers' (a
    stale copy, another mount), whose folder may well hold the reader; else it returns (the 410)."""
    from digest.daemon.agree import FOLDER, apart

    with Store(config.database, readonly=True) as store:
        aside = apart(store, config, now, beside=True, keys=FOLDER)
    if aside is not None:
        raise StoreUnusable(
            f"{config.path}: its settings differ from those of the workers on this database (worker "
            f"{aside.other}): {aside.differ}. A link of {user}, who has no profile file here but whose file "
            "the workers never found gone, waits (not told 'gone') until this process runs with the "
            "workers' profiles folder"
        )


def unchanged_since(path: Path, signed: Signed) -> bool:
    """Has the profile file ``path`` been its present reader's since before ``signed`` was signed?
    True if it has not changed since (its inode's change time, ctime, set by every write, rename
    and link, and by no tool to a time of its choosing, is at or before that second): then it is
    the file the link's message was made from, its reader's, whatever the database would say; or
    if it changed since only by this process's saves through its reader's links
    (:func:`written`). A link signed before links carried their time cannot tell."""
    since = held_since(path)
    return signed.issued is not None and since is not None and since <= signed.issued.timestamp()


_WRITTEN: dict[str, tuple[tuple[int, int], float]] = {}  # path: (its inode and ctime after this
# process wrote it for a link's reader, since when that reader has held it)


def _state(path: Path) -> tuple[tuple[int, int], float] | None:
    try:
        target, link = os.stat(path), os.lstat(path)  # a symbolic link, and its file
    except OSError:  # gone meanwhile, or a link to a share not mounted
        return None
    changed = max(target.st_ctime_ns, link.st_ctime_ns)
    return (target.st_ino, changed), changed / 1e9


def held_since(path: Path) -> float | None:
    """Since when (Unix seconds) the profile file ``path`` is known to have been its present
    reader's without the database: its last change, or the time recorded by :func:`written` if
    nothing changed it since. None: it cannot be read."""
    state = _state(path)
    if state is None:
        return None
    written_for = _WRITTEN.get(str(path))
    return written_for[1] if written_for and written_for[0] == state[0] else state[1]


def written(path: Path, since: float | None) -> None:
    """``path`` was just saved through a link of the reader who held it since ``since`` (its
    :func:`held_since` before the save): their links signed since keep opening it without the
    database (a save is followed by the page it returns to)."""
    state = _state(path)
    if since is not None and state is not None:
        _WRITTEN[str(path)] = (state[0], since)


def _removed_since(config: Config, name: str, signed: Signed, renamed_at: str | None) -> bool:
    """Was ``name``'s file found gone since ``signed`` was signed (as the carry-over just made
    left the removals: not those found after the renamed reader's last message, the rename)?"""
    with Store(config.database, readonly=True) as store:
        return _gone_since(signed, gone_times(store.db, name), renamed_at)


def _gone_since(signed: Signed, gone: list[str], renamed_at: str | None) -> bool:
    """Was the file of the name the link reached found gone (``gone``: each time) since it was
    signed? Not by a removal before the link's reader came to the name by a rename at
    ``renamed_at``: that one was an earlier reader's of the name."""
    if renamed_at is not None:
        gone = [at for at in gone if _stamp(at) > _stamp(renamed_at)]
    return any(_before(signed, at) for at in gone)


def _before(signed: Signed, at: str) -> bool:
    """Was the link signed before ``at``, or in its second (both are whole seconds: a digest sent
    and the file renamed or removed within a second, the link is the earlier reader's)? One
    signed before links carried their time was."""
    return signed.issued is None or signed.issued <= _stamp(at)


def _stamp(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


def _follow(config: Config, store: Store, signed: Signed) -> tuple[str, str | None] | None:
    """The name the link's reader goes on under, along the renames made since it was signed,
    and when the reader came to that name, by the last of them (None: no rename followed);
    None: a link signed before links carried their time, for a name renamed before then and
    someone's file again (either reader's: nobody's); or a link of a reader whose file was found
    gone before a later reader given the name renamed it (the renamed reader is not theirs)."""
    name, seen, renamed_at = signed.user, set(), None
    while name not in seen:
        seen.add(name)
        row = store.db.execute(
            "SELECT user, renamed_at, undated FROM reader_renames WHERE old_user = ?", (name,)
        ).fetchone()
        if row is None:
            break
        new, at, undated = row
        gone = gone_times(store.db, name)
        if any(_stamp(g) < _stamp(at) and _before(signed, g) for g in gone):  # whichever came since
            return None
        if undated:  # renamed before links carried their time
            if signed.issued is not None:
                break  # signed after it: for the name's reader then
            if has_profile_file(config, name):
                return None
        elif not _before(signed, at):
            break
        name, renamed_at = new, at
    if renamed_at is not None:  # when the reader came to the name: the last of their renames
        # (a chain's rows all lead to its last name, each keeping its own time; only the reader
        # there has renames leading to it: a rename to a name needs it to have no records yet)
        last = store.db.execute("SELECT MAX(renamed_at) FROM reader_renames WHERE user = ?", (name,))
        renamed_at = max(renamed_at, last.fetchone()[0] or renamed_at, key=_stamp)
    return name, renamed_at


def searchable(folder: Path) -> bool:
    """Is ``folder`` there, and may this process open a file in it by its name (effective ids)?"""
    return folder.is_dir() and may_read(folder, os.X_OK)


def removed(config: Config, user: str) -> bool:
    """No profile file of ``user`` (.yaml or .yml) in a profiles folder that can be read: the
    reader was removed, not lost to a folder that is missing or unreadable (an operator's trouble)."""
    folder = config.profiles
    if not (folder.is_dir() and may_read(folder, os.R_OK | os.X_OK)):  # by the effective ids, as opens
        return False
    return not has_profile_file(config, user)
