"""Changing a reader's profile file: round-trip YAML (comments, key order and layout kept),
validated by the same ``parse_profile`` as every other reader of the file, written atomically,
under a per-profile lock so that two edits at once never lose one of them.

Every change goes through :func:`apply_edit`: lock, read, change, validate the new text, write.
A change that does not validate raises :class:`ProfileError` and leaves the file as it was.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest import yaml_comments, yamlio
from digest.config import Config
from digest.errors import ProfileError
from digest.files import FileLock, write_atomic
from digest.models import Profile
from digest.options import declared, did_you_mean
from digest.profiles.load import (
    MAX_INTERESTS,
    check_user_id,
    find_profile_file,
    folder_missing,
    parse_profile,
    parse_profile_text,
    profile_path,
)
from digest.select.text import keyword_key

Data = MutableMapping[Any, Any]  # the profile document being edited (ruamel.yaml, comments kept)
Change = Callable[[Data, Path], None]


class ProfileConflict(ProfileError):
    """The file changed between reading it and saving a change made from that reading."""


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
    """An exclusive lock on the sidecar ``.<name>.lock`` (not matched by ``*.yaml``)."""
    return FileLock(path.with_name(f".{path.name}.lock"), mode=0o600)


def apply_edit(
    config: Config,
    user: str,
    change: Change,
    expect_version: str | None = None,
    *,
    dry_run: bool = False,
) -> Edited:
    """Lock, read, change, validate, write. ``expect_version``: refuse if the file changed since.
    ``dry_run``: validate and return the would-be profile, write nothing (for previews)."""
    path = find_profile_file(config, user)
    with profile_lock(path):
        text = path.read_text(encoding="utf-8")
        if expect_version is not None and text_version(text) != expect_version:
            raise ProfileConflict(
                f"{path}: the profile changed since you opened it (another edit was saved first); "
                "reload to see the current version, then make your change again"
            )
        doc = yamlio.Document(text, path, ProfileError)
        if not isinstance(doc.data, dict):
            parse_profile(doc.data, path, config)  # raises: not a mapping
        before = set(doc.data)
        change(doc.data, path)
        added = [k for k in doc.data if k not in before and isinstance(k, str)]
        new, reread = doc.dump(uncomment=added)  # what PyYAML reads from the new text, before it is written
        profile = parse_profile(reread, path, config, lines=False)  # raises: the file stays as it was
        if new != text and not dry_run:
            write_atomic(path, new)
    return Edited(profile, new, new != text, reread)


# -- values ------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _weight(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return _number(value)
    return yamlio.scalar(value)  # written as typed (quoted if need be): the validation says why not


def _find(keys: Sequence[Any], phrase: str) -> Any | None:
    for key in keys:
        if isinstance(key, str) and keyword_key(key) == keyword_key(phrase):
            return key
    return None


def _clean_keyword(keyword: str, what: str) -> str:
    keyword = " ".join(keyword.split())
    if not keyword:
        raise ProfileError(f"{what}: the keyword is empty; give a word or a phrase")
    return keyword


def add_interest(data: Data, keyword: str, weight: Any, path: Path) -> None:
    """Add a keyword (or re-weight one already there).

    A list stays a list while every weight is 1; a weight other than 1 turns the list into a
    mapping keyword -> weight (the other keywords get weight 1, their comments are kept).
    """
    keyword = _clean_keyword(keyword, "interests")
    # A weight that is not a positive number is written anyway: the validation then refuses
    # the change with the same message as for a hand edit, and the file stays as it was.
    interests = data.get("interests")
    if interests is None:
        if weight is None or weight == 1:
            data["interests"] = yamlio.new_list([keyword])
        else:
            data["interests"] = yamlio.new_map([(keyword, _weight(weight))])
        return
    if isinstance(interests, list):
        existing = _find(interests, keyword)
        if existing is not None and weight is None:
            raise ProfileError(
                f"{path}: interests: {existing!r} is already there; give --weight to change its weight"
            )
        if weight is None or weight == 1:
            if existing is None:
                yaml_comments.append(interests, yamlio.scalar(keyword))
            return
        interests = data["interests"] = yamlio.list_as_map(interests, 1)
    if not isinstance(interests, dict):
        raise ProfileError(f"{path}: interests: must be a list or a mapping; fix it by hand first")
    existing = _find(list(interests), keyword)
    if existing is not None:
        if weight is None:
            raise ProfileError(
                f"{path}: interests: {existing!r} is already there (weight {interests[existing]}); "
                "give --weight to change it"
            )
        interests[existing] = _weight(weight)
    else:
        yaml_comments.append(interests, yamlio.scalar(keyword), _weight(1 if weight is None else weight))


def remove_interest(data: Data, keyword: str, path: Path) -> None:
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    existing = _find(keys, keyword)
    if existing is None:
        have = ", ".join(repr(str(k)) for k in keys) or "none"
        raise ProfileError(f"{path}: interests: no keyword {keyword!r} to remove (the profile has: {have})")
    yaml_comments.remove(data, "interests", keys.index(existing) if isinstance(interests, list) else existing)


def add_exclude(data: Data, term: str, path: Path) -> None:
    term = _clean_keyword(term, "exclude")
    exclude = data.get("exclude")
    if exclude is None:
        data["exclude"] = yamlio.new_list([term])
        return
    if isinstance(exclude, str):
        exclude = data["exclude"] = yamlio.new_list([exclude])
    if not isinstance(exclude, list):
        raise ProfileError(f"{path}: exclude: must be a list; fix it by hand first")
    if _find(exclude, term) is None:
        yaml_comments.append(exclude, yamlio.scalar(term))


def remove_exclude(data: Data, term: str, path: Path) -> None:
    exclude = data.get("exclude")
    if isinstance(exclude, str):
        exclude = data["exclude"] = yamlio.new_list([exclude])
    keys = list(exclude) if isinstance(exclude, list) else []
    existing = _find(keys, term)
    if existing is None:
        have = ", ".join(repr(str(k)) for k in keys) or "none"
        raise ProfileError(f"{path}: exclude: no term {term!r} to remove (the profile excludes: {have})")
    yaml_comments.remove(data, "exclude", keys.index(existing))


SETTABLE = {key: opt for key, opt in declared(Profile).items() if opt.settable}


def convert_value(key: str, value: str, path: Path) -> Any:
    """A command-line VALUE as the YAML value for KEY, by KEY's declared check (left as text
    when it does not fit: the validation then says what is wrong, as for a hand edit)."""
    opt = declared(Profile).get(key)
    if opt is None:
        raise ProfileError(
            f"{path}: {key}: not a profile key{did_you_mean(key, list(SETTABLE))}; "
            f"`digest profile set` sets: {', '.join(SETTABLE)}"
        )
    if not opt.settable:
        raise ProfileError(f"{path}: {key}: not set as one value; use {opt.set_by}")
    return yamlio.scalar(opt.check.from_text(value))


def set_key(data: Data, key: str, value: str, path: Path) -> list[str]:
    """Set one key from command-line text; returns notes on what else had to change."""
    data[key] = convert_value(key, value, path)
    return drop_unused(data, key, data[key])


def drop_unused(data: Data, changed: str, value: Any) -> list[str]:
    """Remove the keys that ``changed`` set to ``value`` makes unusable (``only_with``), with a
    note for each: the validation would refuse the file otherwise."""
    notes = []
    for key, opt in declared(Profile).items():
        if opt.only_with and opt.only_with[0] == changed and key in data:
            other, wanted = opt.only_with
            if value != wanted:
                yaml_comments.drop(data, key)
                notes.append(f"{key} removed: it only applies to {other}: {wanted}")
    return notes


def set_interests(data: Data, wanted: Sequence[tuple[str, Any]], path: Path) -> None:
    """Make the interests exactly ``wanted`` (in that order for new ones), editing in place so
    that kept keywords keep their comments; a list stays a list while every weight is 1."""
    if len(wanted) > MAX_INTERESTS:  # refused before the (quadratic) merge
        raise ProfileError(f"{path}: interests: {len(wanted)} keywords, over the limit of {MAX_INTERESTS}")
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    for old in keys:
        if all(keyword_key(old) != keyword_key(k) for k, _ in wanted):
            remove_interest(data, old, path)
    for keyword, weight in wanted:
        current = data.get("interests")
        if isinstance(current, list | dict) and (found := _find(list(current), keyword)) is not None:
            now = current[found] if isinstance(current, dict) else 1
            if now != weight:
                add_interest(data, found, weight, path)
        else:
            add_interest(data, keyword, weight, path)
    if not wanted:
        data["interests"] = yamlio.new_list()


def set_exclude(data: Data, terms: Sequence[str], path: Path) -> None:
    if len(terms) > MAX_INTERESTS:  # refused before the (quadratic) merge
        raise ProfileError(f"{path}: exclude: {len(terms)} terms, over the limit of {MAX_INTERESTS}")
    exclude = data.get("exclude")
    keys = list(exclude) if isinstance(exclude, list) else ([exclude] if isinstance(exclude, str) else [])
    for old in keys:
        if all(keyword_key(old) != keyword_key(t) for t in terms):
            remove_exclude(data, old, path)
    for term in terms:
        add_exclude(data, term, path)
    if not terms and "exclude" in data:
        yaml_comments.drop(data, "exclude")


# -- a new profile ---------------------------------------------------------------------

NEW_PROFILE = """\
# Reader profile for {user}. Edit with `digest profile edit {user}` or by hand.
{name}email: {email}
{defaults}
interests:                      # keyword or phrase -> weight (default 1)
{interests}
# exclude: [medical]            # papers matching any of these are left out
"""


def commented_defaults(config: Config) -> str:
    """A commented line for each settable option a new profile leaves out: its key, the value a
    reader gets without it (the config's, for the inherited ones) and its help."""
    lines = []
    for key, opt in declared(Profile).items():
        if not opt.settable or opt.required or key == "name":
            continue
        default = getattr(config, opt.inherit) if opt.inherit else opt.default
        value = opt.check.from_text(opt.check.to_text(default))  # as `digest profile set` writes it
        entry = f"# {key}: {yamlio.inline(value)}"
        lines.append(f"{entry:<31} # {opt.help}")
    return "\n".join(lines)


def create_profile(
    config: Config,
    user: str,
    email: str,
    interests: Sequence[str],
    name: str | None = None,
    *,
    dry_run: bool = False,
) -> Profile:
    """Make ``user``'s profile file; ``dry_run``: only check that it can be made as given."""
    check_user_id(user)
    path = profile_path(config, user)
    if not config.profiles.is_dir():
        raise ProfileError(folder_missing(config.profiles, "run this again"))
    with profile_lock(path):
        if path.exists() or path.with_suffix(".yml").exists():
            raise ProfileError(
                f"{path}: {user!r} already has a profile; change it with `digest profile set/add` "
                f"or `digest profile edit {user}`"
            )
        lines = [f"  {yamlio.inline(_clean_keyword(k, 'interests'))}: 1" for k in interests]
        text = NEW_PROFILE.format(
            user=user,
            name=f"name: {yamlio.inline(name)}\n" if name else "",
            email=yamlio.inline(email),
            defaults=commented_defaults(config),
            interests="\n".join(lines),
        )
        profile = parse_profile_text(text, path, config)
        if not dry_run:
            write_atomic(path, text)
    return profile


# -- $EDITOR, like `crontab -e` -----------------------------------------------------------


def run_editor(path: Path) -> None:
    """$VISUAL, else $EDITOR, else vi, on ``path``; waits for it to exit."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        result = subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as e:
        raise ProfileError(f"cannot start the editor {editor!r}: {e}; set $EDITOR") from None
    if result.returncode != 0:
        raise ProfileError(f"the editor {editor!r} exited with status {result.returncode}")


def edit_in_editor(
    config: Config,
    user: str,
    open_editor: Callable[[Path], None],
    ask_reopen: Callable[[str], bool],
) -> Profile | None:
    """Edit a copy; replace the real file only with a valid version. None: nothing changed.

    An invalid version: the errors go to ``ask_reopen``; if it says no, the file stays as it
    was and the draft is kept (its path is in the error). If the file changed meanwhile (the
    web page, another command), the other change is kept and so is the draft.
    """
    path = find_profile_file(config, user)
    original = path.read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix=f"digest-edit-{user}-"))
    draft = folder / path.name
    draft.write_text(original, encoding="utf-8")
    keep_draft = False
    try:
        while True:
            try:
                open_editor(draft)
            except ProfileError as e:
                keep_draft = True
                raise ProfileError(f"{e}; {path} is unchanged (your draft: {draft})") from None
            text = draft.read_text(encoding="utf-8")
            if text == original:
                return None
            try:
                profile = parse_profile_text(text, path, config)
            except ProfileError as e:
                if ask_reopen(str(e)):
                    continue
                keep_draft = True
                raise ProfileError(f"{e}\n{path} is unchanged; your draft is kept at {draft}") from None
            with profile_lock(path):
                if path.read_text(encoding="utf-8") != original:
                    keep_draft = True
                    raise ProfileConflict(
                        f"{path} changed while you were editing (another change was saved first) and "
                        f"was left as it is; your version is at {draft}: compare and edit again"
                    )
                write_atomic(path, text)
            return profile
    finally:
        if not keep_draft:
            shutil.rmtree(folder, ignore_errors=True)
