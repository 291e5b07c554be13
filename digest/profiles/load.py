"""Reader profiles: one YAML file per reader in the profiles folder; the file's stem is the user id."""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest import yamlio
from digest.config import Config
from digest.dbfaults import may_read
from digest.errors import ProfileError, collect
from digest.files import remove_stale
from digest.forking import cores, split_map
from digest.keyword_checks import MAX_INTERESTS as MAX_INTERESTS  # the limits, for the editors
from digest.keyword_checks import MAX_KEYWORD as MAX_KEYWORD
from digest.models import Profile
from digest.options import Reading, declared, read
from digest.profiles.cache import Identity, ProfileCache, profile_files, unsettled
from digest.profiles.name_typos import likely_meant, said
from digest.shell_text import shell_word

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
PARALLEL_FROM = 2000  # files to parse from which the parsing is spread over the cores
Earlier = dict[str, tuple[Identity, Profile]]  # path -> a version of the file and its profile


@dataclass(frozen=True)
class Skipped:
    """A profile file that could not be read, and why; ``path`` None: the folder itself."""

    path: str | None
    problem: str  # names the file, the line and what is wrong


def profile_path(config: Config, user: str) -> Path:
    return config.profiles / f"{user}.yaml"


def check_user_id(user: str) -> None:
    if not _USER_ID.match(user):
        raise ProfileError(f"{user!r} is not a usable user id (letters, digits, '.', '_' or '-')")


def load_profiles(config: Config) -> list[Profile]:
    """Every profile in the folder, sorted by user id; all problems of all files reported at once."""
    profiles, skipped = _read_all(config)
    if skipped:
        raise ProfileError("\n".join(s.problem for s in skipped))
    return profiles


def load_profiles_lenient(config: Config) -> tuple[list[Profile], list[str]]:
    """Every valid profile, and the problems of the invalid ones (the daemon keeps going)."""
    profiles, skipped = read_profiles(config)
    return profiles, [s.problem for s in skipped]


def read_profiles(
    config: Config, identities: dict[str, Identity | None] | None = None, earlier: Earlier | None = None
) -> tuple[list[Profile], list[Skipped]]:
    """Every valid profile, and the files skipped with their problems (no folder: one, of None).
    ``identities``, if given, gets each file's identity as it was read (:func:`profile_files`);
    ``earlier`` the readings the profile cache held (each file's last settled one), by path."""
    try:
        return _read_all(config, identities, earlier)
    except ProfileError as e:  # no profiles folder
        return [], [Skipped(None, str(e))]


ADD_READERS = "add one <user>.yaml per reader (`digest profile new USER --email ADDR -i KEYWORD`)"


def of_the_folder(folder: Path, problem: str) -> bool:
    """Whether ``problem`` (one of :func:`load_profiles_lenient`'s) is the profiles folder's own (not
    there, a file, not listable: its messages begin with its whole path), not a file's: no profile
    was read to be skipped, so it is said as an error, not as "profile skipped", nor counted as one."""
    return problem.startswith(f"{folder.absolute()}: ")


def skipped_line(folder: Path, problem: str) -> str:
    """``problem`` as `send`, `run --once` and `serve` say it: a file's, "profile skipped: ...", the
    folder's, "error: ..." (every reader's file unread)."""
    return f"error: {problem}" if of_the_folder(folder, problem) else f"profile skipped: {problem}"


def folder_missing(folder: Path, then: str, config_file: Path | None = None) -> str:
    """Why the profiles folder cannot be read: not there, a link to nothing, or a file in its
    place; named in full, with the config file that names it (as the inbox's, inbox.problem)."""
    folder = folder.absolute()
    if folder.is_symlink() and not folder.exists():  # "create it" would fail: the name is taken
        return (
            f"{folder}: the profiles folder is a link to a folder that is not there; mount its disk, "
            "or remove the link and make the folder"
        )
    fix = f"or fix `profiles:` in {config_file or 'the config'}"
    if folder.exists():
        moved = "move the file away and make the folder"
        return f"{folder}: the profiles folder is a file, not a folder; {moved}, {fix}"
    return f"{folder}: the profiles folder does not exist; create it and {then}, {fix}"


def folder_unlisted(folder: Path, e: OSError) -> str:
    """Why this account cannot know the readers: it may not list the profiles folder (nor search
    it, 0700 of another account: then the mode to give says both, a+r alone would not do)."""
    named = shell_word(str(folder))  # pasted as it is: /srv/o'brien papers/profiles
    if not may_read(folder, os.X_OK):
        return (
            f"{folder}: this account may neither list the profiles folder nor open a file in it "
            f"({e.strerror}), and every reader is found by listing it; run this as the account that "
            f"owns the folder, or let this one list and search it (chmod a+rx {named}, or a group of "
            "both with g+rx)"
        )
    return (
        f"{folder}: this account may not list the profiles folder ({e.strerror}), and every reader "
        "is found by listing it; run this as the account that owns the folder, or let this one list "
        f"it (chmod a+r {named}, or a group of both with g+r); `digest preview USER`, `send --user "
        "USER` and `rank USER` need only USER's file"
    )


def folder_unsearched(folder: Path, path: Path, e: OSError) -> str:
    """Why no reader's file can be opened: this account may not search the profiles folder (and
    what searching it gives: each file by its name, or, a folder it may list already, 0704, all)."""
    then = (
        "it may list the folder already, and then opens each reader's file in it too"
        if may_read(folder, os.R_OK)
        else "each reader's file then opened by its name, the folder not listed"
    )
    named = shell_word(str(folder))
    return (
        f"{path}: cannot be read: this account may not search the profiles folder {folder} "
        f"({e.strerror}); run this as the account that owns the folder, or let this one search it "
        f"(chmod a+x {named}: {then})"
    )


def _read_all(
    config: Config, identities: dict[str, Identity | None] | None = None, earlier: Earlier | None = None
) -> tuple[list[Profile], list[Skipped]]:
    """The valid profiles and the problems of the others, each file read once (through the
    cache); a missing folder raises ProfileError."""
    folder = config.profiles
    then = ADD_READERS
    if not folder.is_dir():
        raise ProfileError(folder_missing(folder, then, config.path))
    profiles: list[Profile] = []
    problems: list[Skipped] = []
    cache = ProfileCache.for_config(config, __file__)
    if earlier is not None:
        earlier.update(cache.entries)
    misnamed: list[str] = []
    leftovers: list[Path] = []  # a profile's writer killed before its rename (or its link's unlink)
    try:
        files = list(profile_files(folder, misnamed, leftovers))
    except PermissionError as e:  # mode 0711: each reader's file read by its name, none listed
        raise ProfileError(folder_unlisted(folder, e)) from e
    except (FileNotFoundError, NotADirectoryError) as e:  # removed (or replaced) since is_dir() above
        raise ProfileError(folder_missing(folder, then, config.path)) from e
    if files and not may_read(folder, os.X_OK):  # mode 0704 of another account: listed, none opened
        try:
            os.lstat(files[0][0])
        except PermissionError as e:
            raise ProfileError(folder_unsearched(folder, Path(files[0][0]), e)) from e
        except FileNotFoundError:  # the folder removed since it was listed: said once read, below
            pass
    remove_stale(leftovers)
    if identities is not None:
        identities.update(files)
    stale = cache.stale(files)
    processes = cores() if len(stale) >= PARALLEL_FROM else 1
    parse = functools.partial(_parse_files, config=config)
    parsed = dict(zip(stale, split_map(parse, stale, processes=processes, dumps=cache.dumps), strict=True))
    users: dict[str, str] = {}  # user id -> its file (the .yaml ones come first)
    for path, identity in files:
        user = os.path.splitext(os.path.basename(path))[0]  # no Path per file: see profile_files
        if (other := users.setdefault(user, path)) != path:
            problems.append(
                Skipped(
                    path,
                    f"{path}: ignored: {other} is already the profile of {user!r} (every command "
                    "reads that one); rename this file to give another reader a profile, or delete it",
                )
            )
            continue
        try:
            profiles.append(cache.load(path, functools.partial(_parsed, parsed, path), identity))
        except ProfileError as e:
            problems.append(Skipped(path, str(e)))
    cache.save()
    if problems and not folder.is_dir():  # removed as its files were read: the folder, not each file
        raise ProfileError(folder_missing(folder, then, config.path))
    problems += [Skipped(path, misnamed_file(path, users)) for path in misnamed]
    return profiles, problems


def misnamed_file(path: str, users: dict[str, str]) -> str:
    """Why a file meant as a profile (``dave.YAML``, ``eve.yaml.txt``) is not read, and the fix:
    the name to give it, unless a file of ``users`` (user id -> its file) already has that name's
    reader (renaming would replace the profile that is read)."""
    name = os.path.basename(path)
    name = name[:-4] if name.lower().endswith(".txt") else name
    stem, suffix = os.path.splitext(name)
    if stem in users:
        return (
            f"{path}: not read: {users[stem]} is already the profile of {stem!r} (every command reads "
            "that one); delete this file, or give it another reader's name ending in .yaml"
        )
    return (
        f"{path}: not read: a profile's file name ends in .yaml (or .yml), in lower case; "
        f"rename it {stem}{suffix.lower()}"
    )


def _parse_files(paths: Sequence[str], config: Config) -> list[Profile | ProfileError]:
    """Each file's profile, or the error that says what is wrong with it."""
    parsed: list[Profile | ProfileError] = []
    for path in paths:
        try:
            parsed.append(load_profile_file(Path(path), config))
        except ProfileError as e:
            parsed.append(e)
    return parsed


def _parsed(parsed: dict[str, Profile | ProfileError], path: str, _: Path) -> Profile:
    result = parsed[path]
    if isinstance(result, ProfileError):
        raise result
    return result


def load_profile(config: Config, user: str) -> Profile:
    return load_profile_file(find_profile_file(config, user), config)


def find_profile_file(config: Config, user: str) -> Path:
    """The existing file of ``user`` (.yaml or .yml), or an error naming the closest user id."""
    check_user_id(user)
    path = profile_path(config, user)
    try:
        if not path.exists() and (alt := path.with_suffix(".yml")).exists():
            path = alt
        there = path.exists()
    except PermissionError as e:  # the folder not searchable (a file's own mode says it when read)
        raise ProfileError(folder_unsearched(config.profiles, path, e)) from e
    if not there:
        known = _known_users(config)
        hint = said(likely_meant(user, known))  # a typo's: not any name much alike (name_typos)
        tip = hint or (f" Known: {', '.join(known)}." if known else "")
        raise ProfileError(f"{no_profile(path, user)}.{tip}")
    check_inside(path, config)
    return path


def _known_users(config: Config) -> list[str]:
    """The users with a profile file, by one listing of the folder (what a name not found may have
    meant); none where it may not be listed (mode 0711: each file opened by its name)."""
    try:
        with os.scandir(config.profiles) as entries:
            names = [entry.name for entry in entries]
    except PermissionError:
        return []
    except (FileNotFoundError, NotADirectoryError) as e:  # not there, or a file in its place
        raise ProfileError(folder_missing(config.profiles, ADD_READERS, config.path)) from e
    return sorted({stem for stem, suffix in map(os.path.splitext, names) if suffix in (".yaml", ".yml")})


def no_profile(path: Path, user: str) -> str:
    """The words of a name with no profile file, before what may help."""
    return f"{path}: no profile for user {user!r}"


def has_profile_file(config: Config, user: str) -> bool:
    """Is there a profile file of ``user``, .yaml or .yml, readable or not: a broken file, or a
    symbolic link whose target is gone (a share not mounted), is still its reader's, who was not
    removed (so their history is not carried over to another file, nor their links told 410)."""
    path = profile_path(config, user)
    return any(os.path.lexists(p) for p in (path, path.with_suffix(".yml")))


def profile_names(config: Config) -> set[str] | None:
    """The stems of the profile files in the folder (as :func:`has_profile_file` counts them);
    None when the folder cannot be read or holds none: a disk not mounted (its empty mount
    point) is not every reader removed."""
    try:
        with os.scandir(config.profiles) as entries:
            names = {os.path.splitext(e.name)[0] for e in entries if e.name.endswith((".yaml", ".yml"))}
    except OSError:
        return None
    return names or None


def check_inside(path: Path, config: Config) -> None:
    """Refuse a profile that is a symbolic link to a file outside the profiles folder: it is
    never read, so nothing of it (say /etc/shadow) can be echoed in an error message."""
    if not path.is_symlink():
        return
    try:
        inside = path.resolve(strict=True).is_relative_to(config.profiles.resolve())
    except (OSError, RuntimeError):  # a dangling or looping link
        inside = False
    if not inside:
        raise ProfileError(
            f"{path}: is a symbolic link to a file outside the profiles folder; refused (not read). "
            "Copy the profile into the folder instead"
        )


def load_profile_file(path: Path, config: Config) -> Profile:
    check_inside(path, config)
    return parse_profile_text(read_profile_text(path), path, config)


def readable_profile(path: Path, config: Config) -> Profile | None:
    """The profile in ``path`` as it reads now, or None if it cannot be read now (gone, not
    valid: an editor saving it in steps), for a caller that keeps its earlier reading then."""
    try:
        return load_profile_file(path, config)
    except ProfileError:
        return None


class Versions:
    """Profile files read again by their version (an Identity: digest.file_stamps.file_stamp): each
    version read once, one that does not read too (an editor saving it in steps: not read again
    at every pass, nor for every message), for ProfileFolder and StillWanted.changed; a version
    read when it was :func:`~digest.profiles.cache.unsettled` is read again at each call until
    it is not (``clock``: the filesystem's, time.time_ns)."""

    def __init__(self, config: Config, clock: Callable[[], int] = time.time_ns) -> None:
        self.config, self.clock = config, clock
        # path -> its version last read, its profile, and whether it was unsettled then
        self.read: dict[str, tuple[Identity, Profile | None, bool]] = {}

    def profile(self, path: str, identity: Identity) -> Profile | None:
        """The profile in ``path`` as its version ``identity`` reads: read now unless that one
        was, settled; None if it cannot be read (:func:`readable_profile`)."""
        known = self.read.get(path)
        if known is None or known[0] != identity or known[2]:
            fresh = unsettled(identity, self.clock())
            known = self.read[path] = (identity, readable_profile(Path(path), self.config), fresh)
            log.debug("%s changed since it was read: read again", path)
        return known[1]


def read_profile_text(path: Path) -> str:
    """A profile file's text (or an editor's draft of it); one it cannot read (not UTF-8: saved
    as Latin-1) is a ProfileError saying where and what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(profile_unread(path, e)) from None


def profile_unread(path: Path, e: OSError | UnicodeDecodeError) -> str:
    """Why a profile file cannot be read, and what to do: one this account may not read (mode 000,
    another account's 0600) is said with the mode to give, not as Python's "[Errno 13] Permission
    denied: '<the path again>'"."""
    if isinstance(e, PermissionError):
        named = shell_word(str(path))
        return (
            f"{path}: this account may not read the profile ({e.strerror}); run this as the account "
            f"that owns the file, or let this one read it (chmod a+r {named}, or a group of both with g+r)"
        )
    return f"{path}: cannot read the profile: {yamlio.read_problem(e)}"


def parse_profile_text(text: str, path: Path, config: Config) -> Profile:
    """Validate a profile's YAML text as if it were the file at ``path`` (CLI, web, editor share this)."""
    return parse_profile(yamlio.load(text, path, ProfileError), path, config)


def parse_profile(data: Any, path: Path, config: Config, *, lines: bool = True) -> Profile:
    """Validate one profile's mapping; every problem in the file is listed together (with the
    line of its key unless ``lines`` is false: an edited text that is not on disk yet)."""
    user = path.stem
    reading = Reading(base=path.parent, defaults=config, lines=lines)
    if not _USER_ID.match(user):
        reading.problems.append(
            f"file name: {path.name!r} is not a usable user id (letters, digits, '.', '_' or '-')"
        )
    if not isinstance(data, dict):
        required = " and ".join(repr(k) for k, o in declared(Profile).items() if o.required)
        raise ProfileError(f"{path}: a profile must be a mapping with at least {required}")
    values = read(Profile, data, reading)
    collect(reading.problems, f"{path}: invalid profile", ProfileError)
    return Profile(user=user, source=path, **values)
