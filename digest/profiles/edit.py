"""Changing a reader's profile file: round-trip YAML (comments, key order and layout kept),
validated by the same ``parse_profile`` as every other reader of the file, written atomically,
under a per-profile lock so that two edits at once never lose one of them.

Every change goes through :func:`apply_edit`: lock, read, change, validate the new text, write.
A change that does not validate raises :class:`ProfileError` and leaves the file as it was.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from digest.config import Config
from digest.errors import ProfileError
from digest.files import FileLock, write_atomic
from digest.models import Profile
from digest.profiles.load import (
    KNOWN_KEYS,
    MAX_INTERESTS,
    check_user_id,
    find_profile_file,
    parse_profile_text,
    profile_path,
)

SETTABLE = {
    "name": "text",
    "email": "text",
    "timezone": "text",
    "send_at": "clock",
    "max_papers": "int",
    "min_score": "number",
    "frequency": "text",
    "weekday": "text",
    "paused": "bool",
    "send_empty": "bool",
}


class ProfileConflict(ProfileError):
    """The file changed between reading it and saving a change made from that reading."""


@dataclass(frozen=True)
class Edited:
    profile: Profile
    text: str
    changed: bool


def text_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- the file: lock, round trip ----------------------------------------------------------


def profile_lock(path: Path) -> FileLock:
    """An exclusive lock on the sidecar ``.<name>.lock`` (not matched by ``*.yaml``)."""
    return FileLock(path.with_name(f".{path.name}.lock"), mode=0o600)


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file already uses them."""
    mapping, sequence, offset = 2, 4, 2
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for prev, line in zip(lines, lines[1:], strict=False):
        if not prev.rstrip().endswith(":"):
            continue
        parent = len(prev) - len(prev.lstrip(" "))
        child = len(line) - len(line.lstrip(" "))
        if line.lstrip().startswith("- "):
            offset = max(child - parent, 0)
            sequence = offset + 2
        elif child > parent:
            mapping = child - parent
    return mapping, sequence, offset


def _yaml(text: str) -> YAML:
    y = YAML()  # round trip
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line
    mapping, sequence, offset = _guess_indent(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def load_roundtrip(text: str, path: Path) -> tuple[CommentedMap, YAML]:
    y = _yaml(text)
    try:
        data = y.load(text)
    except YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML, fix it by hand first: {e}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ProfileError(f"{path}: a profile must be a mapping with at least 'email' and 'interests'")
    return data, y


def dump_roundtrip(data: CommentedMap, y: YAML) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def apply_edit(
    config: Config,
    user: str,
    change: Callable[[CommentedMap, Path], None],
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
        data, y = load_roundtrip(text, path)
        change(data, path)
        new = dump_roundtrip(data, y)
        profile = parse_profile_text(new, path, config)  # raises: the file stays as it was
        if new != text and not dry_run:
            write_atomic(path, new)
    return Edited(profile, new, new != text)


# -- values ------------------------------------------------------------------------------


def _scalar(value: str) -> str:
    """A string that PyYAML (YAML 1.1) would read back as the same string, quoted if needed."""
    try:
        plain_ok = yaml.safe_load(f"k: {value}") == {"k": value}
    except (yaml.YAMLError, ValueError):  # ValueError: a number of thousands of digits
        plain_ok = False
    return value if plain_ok and value == value.strip() else DoubleQuotedScalarString(value)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _weight(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return _number(value)
    return value


def _norm(phrase: str) -> str:
    return " ".join(str(phrase).split()).casefold()


def _find(keys: Sequence[Any], phrase: str) -> Any | None:
    for key in keys:
        if isinstance(key, str) and _norm(key) == _norm(phrase):
            return key
    return None


def _as_mapping(seq: CommentedSeq) -> CommentedMap:
    """A list of keywords as a mapping keyword -> 1, keeping each item's end-of-line comment."""
    out = CommentedMap()
    for i, item in enumerate(seq):
        out[item] = 1
        comment = seq.ca.items.get(i)
        if comment and comment[0] is not None:
            out.ca.items[item] = [None, None, comment[0], None]
    return out


def _clean_keyword(keyword: str, what: str) -> str:
    keyword = " ".join(keyword.split())
    if not keyword:
        raise ProfileError(f"{what}: the keyword is empty; give a word or a phrase")
    return keyword


def add_interest(data: CommentedMap, keyword: str, weight: Any, path: Path) -> None:
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
            data["interests"] = CommentedSeq([_scalar(keyword)])
        else:
            data["interests"] = CommentedMap([(_scalar(keyword), _weight(weight))])
        return
    if isinstance(interests, list):
        existing = _find(interests, keyword)
        if existing is not None and weight is None:
            raise ProfileError(
                f"{path}: interests: {existing!r} is already there; give --weight to change its weight"
            )
        if weight is None or weight == 1:
            if existing is None:
                interests.append(_scalar(keyword))
            return
        interests = data["interests"] = _as_mapping(interests)
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
        interests[_scalar(keyword)] = _weight(1 if weight is None else weight)


def remove_interest(data: CommentedMap, keyword: str, path: Path) -> None:
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    existing = _find(keys, keyword)
    if existing is None:
        have = ", ".join(repr(str(k)) for k in keys) or "none"
        raise ProfileError(f"{path}: interests: no keyword {keyword!r} to remove (the profile has: {have})")
    if isinstance(interests, list):
        interests.pop(keys.index(existing))
    else:
        del interests[existing]


def add_exclude(data: CommentedMap, term: str, path: Path) -> None:
    term = _clean_keyword(term, "exclude")
    exclude = data.get("exclude")
    if exclude is None:
        data["exclude"] = CommentedSeq([_scalar(term)])
        return
    if isinstance(exclude, str):
        exclude = data["exclude"] = CommentedSeq([exclude])
    if not isinstance(exclude, list):
        raise ProfileError(f"{path}: exclude: must be a list; fix it by hand first")
    if _find(exclude, term) is None:
        exclude.append(_scalar(term))


def remove_exclude(data: CommentedMap, term: str, path: Path) -> None:
    exclude = data.get("exclude")
    if isinstance(exclude, str):
        exclude = data["exclude"] = CommentedSeq([exclude])
    keys = list(exclude) if isinstance(exclude, list) else []
    existing = _find(keys, term)
    if existing is None:
        have = ", ".join(repr(str(k)) for k in keys) or "none"
        raise ProfileError(f"{path}: exclude: no term {term!r} to remove (the profile excludes: {have})")
    exclude.pop(keys.index(existing))


def convert_value(key: str, value: str, path: Path) -> Any:
    """A command-line VALUE as the YAML value for KEY (left as text when it does not fit:
    the validation then says what is wrong, in the same words as for a hand edit)."""
    kind = SETTABLE.get(key)
    if kind is None:
        if key in ("interests", "exclude"):
            raise ProfileError(
                f"{path}: {key}: not set as one value; use `digest profile add/remove` for interests "
                "and `digest profile exclude` for exclusions"
            )
        raise ProfileError(
            f"{path}: {key}: not a profile key; the keys are: {', '.join(k for k in KNOWN_KEYS)}"
        )
    text = value.strip()
    if kind == "int" and re.fullmatch(r"[+-]?\d{1,9}", text):  # longer: left as text, refused
        return int(text)
    if kind == "number" and re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return _number(float(text))
    if kind == "bool" and text.lower() in ("true", "yes", "on", "false", "no", "off"):
        return text.lower() in ("true", "yes", "on")
    if kind == "clock":
        return DoubleQuotedScalarString(text)  # unquoted, PyYAML would read 07:30 as 450
    return _scalar(text)


def set_key(data: CommentedMap, key: str, value: str, path: Path) -> list[str]:
    """Set one key from command-line text; returns notes on what else had to change."""
    data[key] = convert_value(key, value, path)
    notes = []
    if key == "frequency" and data[key] != "weekly" and "weekday" in data:
        del data["weekday"]  # only valid with weekly; the validation would refuse the file
        notes.append("weekday removed: it only applies to frequency: weekly")
    return notes


def set_interests(data: CommentedMap, wanted: Sequence[tuple[str, Any]], path: Path) -> None:
    """Make the interests exactly ``wanted`` (in that order for new ones), editing in place so
    that kept keywords keep their comments; a list stays a list while every weight is 1."""
    if len(wanted) > MAX_INTERESTS:  # refused before the (quadratic) merge
        raise ProfileError(f"{path}: interests: {len(wanted)} keywords, over the limit of {MAX_INTERESTS}")
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    for old in keys:
        if all(_norm(old) != _norm(k) for k, _ in wanted):
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
        data["interests"] = CommentedSeq()


def set_exclude(data: CommentedMap, terms: Sequence[str], path: Path) -> None:
    if len(terms) > MAX_INTERESTS:  # refused before the (quadratic) merge
        raise ProfileError(f"{path}: exclude: {len(terms)} terms, over the limit of {MAX_INTERESTS}")
    exclude = data.get("exclude")
    keys = list(exclude) if isinstance(exclude, list) else ([exclude] if isinstance(exclude, str) else [])
    for old in keys:
        if all(_norm(old) != _norm(t) for t in terms):
            remove_exclude(data, old, path)
    for term in terms:
        add_exclude(data, term, path)
    if not terms and "exclude" in data:
        del data["exclude"]


# -- a new profile ---------------------------------------------------------------------

NEW_PROFILE = """\
# Reader profile for {user}. Edit with `digest profile edit {user}` or by hand.
{name}email: {email}
# timezone: Europe/London       # IANA name; default from the config
# send_at: "07:30"              # local time of the digest
# max_papers: 10
interests:                      # keyword or phrase -> weight (default 1)
{interests}
# exclude: [medical]            # papers matching any of these are left out
"""


def create_profile(
    config: Config, user: str, email: str, interests: Sequence[str], name: str | None = None
) -> Profile:
    check_user_id(user)
    path = profile_path(config, user)
    if not config.profiles.is_dir():
        raise ProfileError(f"{config.profiles}: the profiles folder does not exist; create it first")
    with profile_lock(path):
        if path.exists() or path.with_suffix(".yml").exists():
            raise ProfileError(
                f"{path}: {user!r} already has a profile; change it with `digest profile set/add` "
                f"or `digest profile edit {user}`"
            )
        lines = [f"  {_dump_key(_clean_keyword(k, 'interests'))}: 1" for k in interests]
        text = NEW_PROFILE.format(
            user=user,
            name=f"name: {_dump_key(name)}\n" if name else "",
            email=_dump_key(email),
            interests="\n".join(lines),
        )
        profile = parse_profile_text(text, path, config)
        write_atomic(path, text)
    return profile


def _dump_key(value: str) -> str:
    scalar = _scalar(value)
    return f'"{_escape(scalar)}"' if isinstance(scalar, DoubleQuotedScalarString) else scalar


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


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
