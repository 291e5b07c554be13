"""Changing a reader's profile file: round-trip YAML (comments, key order and layout kept),
validated by the same ``parse_profile`` as every other reader of the file, written atomically,
under a per-profile lock so that two edits at once never lose one of them.

Every change goes through :func:`apply_edit`: lock, read, change, validate the new text, write.
A change that does not validate raises :class:`ProfileError` and leaves the file as it was. The
changes themselves are in :mod:`digest.profiles.changes`; a new file is made by
:mod:`digest.profiles.create`, an edit in $EDITOR by :mod:`digest.profiles.editor`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest import yaml_edit
from digest.config import Config
from digest.errors import DigestError, ProfileError
from digest.filelock import FileLock
from digest.files import disk_fix, spare_beside, write_atomic
from digest.models import Profile
from digest.profiles.load import find_profile_file, parse_profile, read_profile_text

log = logging.getLogger(__name__)

Data = MutableMapping[Any, Any]  # the profile document being edited (ruamel.yaml, comments kept)
Change = Callable[[Data, Path], None]


class ProfileConflict(ProfileError):
    """The file changed between reading it and saving a change made from that reading."""


class ProfileNotSaved(ProfileError):
    """The file, sound, could not be written (a full disk, a quota, a folder this account may not
    write): it is as it was. ``error``: what the disk said (its errno says which)."""

    def __init__(self, message: str, error: OSError | None = None) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class Edited:
    profile: Profile
    text: str
    changed: bool
    data: Any = None  # what the loader reads from ``text`` (a `yes` typed is true written)


def text_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- the file: lock, round trip ----------------------------------------------------------


def profile_lock(path: Path) -> FileLock:
    """An exclusive lock on the sidecar ``.<name>.lock`` (not matched by ``*.yaml``), made with the
    mode the umask gives (0644 under 022, 0664 under 002), as the profile file it guards is
    (files.write_atomic), not 0600: the web page or `digest profile` run as another account that
    may edit the file (a service account in its group) takes it, on the file opened for reading
    where it may not write it (``others``; flock asks no more). One an earlier release made 0600
    is widened so by its owner's next edit (``widen``)."""
    lock = path.with_name(f".{path.name}.lock")
    return FileLock(lock, mode=0o666, others=True, widen=True, keeps="two edits of this profile")


SAVE_AGAIN, RUN_AGAIN = "save again", "run this again"  # the web page's user saves; a command's runs it


@contextlib.contextmanager
def locked(path: Path, then: str = SAVE_AGAIN) -> Iterator[None]:
    """:func:`profile_lock` held for a change to ``path``; a lock file the disk refuses (a read-only
    folder or disk, a full one or a quota, a folder this account may not make it in) is
    ProfileNotSaved, said as a refused write of the profile is (the web page shows it to the reader
    with what they typed; an editor's draft is kept), not a bare DigestError naming the lock's
    path. ``then``: what the user does once the disk is mended (:func:`not_saved`)."""
    lock = profile_lock(path)
    try:
        lock.acquire()
    except DigestError as e:
        cause = e.__context__  # the OSError the lock's message was made from
        unmade = isinstance(cause, PermissionError) and not lock.path.exists()  # a folder it may not write
        if not unmade and (
            not isinstance(cause, OSError) or cause.errno not in (errno.EROFS, errno.ENOSPC, errno.EDQUOT)
        ):
            raise  # another's lock file this account may not open: its owner, mode and cure, as said
        raise ProfileNotSaved(not_saved(path, cause, then), cause) from None
    try:
        yield
    finally:
        lock.release()


def apply_edit(
    config: Config,
    user: str,
    change: Change,
    expect_version: str | None = None,
    *,
    dry_run: bool = False,
    before_write: Callable[[Profile], None] | None = None,
    then: str = SAVE_AGAIN,
    settle: contextlib.ExitStack | None = None,
) -> Edited:
    """Lock, read, change, validate, write. ``expect_version``: refuse if the file changed since.
    ``dry_run``: validate and return the would-be profile, write nothing (for previews).
    ``before_write``: given the would-be profile, under the lock, before the file is written (or
    left as it is); what it raises leaves the file as it was (a change that goes with the file's
    and may be refused, made first: the command does all of it or nothing). ``settle``: what
    ``before_write`` holds open (a database transaction), closed (committed) once the file is
    written, still under the lock; what that raises (the commit refused: its disk full) puts the
    file back as it was (:func:`_put_back`) and is raised: not saved is so. ``then``: what a
    refused write tells the user to do once the disk is mended (RUN_AGAIN from a command)."""
    path = find_profile_file(config, user)
    with locked(path, then):
        text = read_profile_text(path)  # not UTF-8: said so, not an internal error
        if expect_version is not None and text_version(text) != expect_version:
            raise ProfileConflict(
                f"{path}: the profile changed since you opened it (another edit was saved first); "
                "reload to see the current version, then make your change again"
            )
        doc = yaml_edit.Document(text, path, ProfileError)
        if not isinstance(doc.data, dict):
            parse_profile(doc.data, path, config)  # raises: not a mapping
        before = set(doc.data)
        change(doc.data, path)
        added = [k for k in doc.data if k not in before and isinstance(k, str)]
        new, reread = doc.dump(uncomment=added)  # what PyYAML reads from the new text, before it is written
        profile = parse_profile(reread, path, config, lines=False)  # raises: the file stays as it was
        if dry_run:
            return Edited(profile, new, new != text, reread)
        tmp = _spare(path, then) if new != text else None  # a folder it may not write: said, nothing done
        try:
            if before_write is not None:
                before_write(profile)  # raises: the file stays as it was
            if tmp is not None:
                try:
                    write_atomic(path, new, whole=True, tmp=tmp)
                except OSError as e:  # a full disk, a quota: said, the file as it was
                    raise ProfileNotSaved(not_saved(path, e, then), e) from None
                if settle is not None:
                    try:
                        settle.close()
                    except BaseException:
                        _put_back(path, text)
                        raise
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    return Edited(profile, new, new != text, reread)


def _put_back(path: Path, text: str) -> None:
    """``path`` written again with ``text``, what it held before a change whose companion (a
    database's commit) was refused after the file was written; one the disk refuses is said in
    the log (the file keeps the change, the database does not)."""
    try:
        write_atomic(path, text, whole=True)
    except OSError as e:
        log.error(
            "%s: written, but what goes with it in the database was not stored, and the file could "
            "not be put back as it was: %s; %s, then look at it",
            path,
            e.strerror or e,
            disk_fix(e, "the profiles folder"),
        )


def not_saved(path: Path, error: OSError, then: str = SAVE_AGAIN) -> str:
    """Why ``path`` (a profile) could not be written (write_atomic: its old content is kept), and
    what to do: a full disk or quota is freed, anything else made writable. No folder is named but in
    the file's path: the web page shows a reader the file's name alone (digest.web.answers.public_error).
    ``then``: what the user does once that is done: SAVE_AGAIN on the web page, RUN_AGAIN for a command."""
    fix = what_to_do(error, then)
    return f"cannot save {path}: {error.strerror or error}; {fix}; nothing was saved, the file is as it was"


def what_to_do(error: OSError, then: str) -> str:
    """What to do when a profile could not be written for ``error``, before doing ``then``: what
    fits its cause (a folder's permissions cure none but EACCES and EPERM)."""
    return f"{disk_fix(error, 'the profiles folder')}, then {then}"


def _spare(path: Path, then: str) -> Path:
    """The temporary file the new text is written to, made before anything that goes with the
    write (apply_edit's ``before_write``): a folder this account may not write (or a full or
    read-only disk) is ProfileNotSaved, said as a refused write of the file is (:func:`not_saved`:
    the folder made writable for this account), nothing done; not an internal error after a
    carry-over was made, nor the web page's "its file has a mistake" (the file is sound)."""
    try:
        return spare_beside(path)
    except OSError as e:
        raise ProfileNotSaved(not_saved(path, e, then), e) from None
