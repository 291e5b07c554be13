"""The changes `digest profile` and the web page make to a profile document (ruamel.yaml, edited
in place so that comments stay): keywords and their weights, excluded terms, one option set from
text. Each is a :data:`digest.profiles.edit.Change` step, applied by
:func:`digest.profiles.edit.apply_edit`, which validates the result before it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digest import yaml_comments, yaml_edit
from digest.checks import UNSAFE
from digest.errors import ProfileError, collect
from digest.keyword_checks import comma_parts
from digest.models import Profile
from digest.options import Invalid, Reading, declared, did_you_mean
from digest.profiles.edit import Data
from digest.profiles.load import MAX_INTERESTS
from digest.select.text import keyword_key


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _weight(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return _number(value)
    return yaml_edit.scalar(value)  # written as typed (quoted if need be): the validation says why not


def _find(keys: Sequence[Any], phrase: str) -> Any | None:
    for key in keys:
        if isinstance(key, str) and keyword_key(key) == keyword_key(phrase):
            return key
    return None


def clean_keyword(keyword: str, what: str) -> str:
    keyword = " ".join(keyword.split())
    if not keyword:
        raise ProfileError(f"{what}: the keyword is empty; give a word or a phrase")
    return keyword


def typed_keyword(keyword: str, what: str) -> str:
    """A keyword given on the command line (`digest profile add`, `exclude`, `new -i`), spaced: one
    with a control character or a bidi mark (an escape pasted with it) is refused, not written to be
    dropped when the file is read (keyword_checks.spaced), a keyword other than the one said saved."""
    keyword = clean_keyword(keyword, what)
    if UNSAFE.search(keyword):
        raise ProfileError(
            f"{what}: the {'term' if what == 'exclude' else 'keyword'} must not contain control characters "
            f"or bidi marks, got {keyword!r}; "
            "give it without them"
        )
    return keyword


def add_interest(data: Data, keyword: str, weight: Any, path: Path, one: bool = False) -> None:
    """Add a keyword (or re-weight one already there).

    A list stays a list while every weight is 1; a weight other than 1 turns the list into a
    mapping keyword -> weight (the other keywords get weight 1, their comments are kept). ``one``: it
    was given as one keyword whatever commas it holds (`digest profile add ada "robots, drones"`), so it
    is written in quotes, which say so to its reader (as :func:`add_exclude`'s).
    """
    keyword = clean_keyword(keyword, "interests")
    quote = one and len(comma_parts(keyword)) > 1
    # A weight that is not a positive number is written anyway: the validation then refuses
    # the change with the same message as for a hand edit, and the file stays as it was.
    interests = data.get("interests")
    if interests is None:
        if weight is None or weight == 1:
            data["interests"] = yaml_edit.new_list([yaml_edit.scalar(keyword, quote)])
        else:
            data["interests"] = yaml_edit.new_map([(yaml_edit.scalar(keyword, quote), _weight(weight))])
        return
    if isinstance(interests, list):
        existing = _find(interests, keyword)
        if existing is not None and weight is None:
            raise ProfileError(
                f"{path}: interests: {existing!r} is already there; give --weight to change its weight"
            )
        if weight is None or weight == 1:
            if existing is None:
                yaml_comments.append(interests, yaml_edit.scalar(keyword, quote))
            return
        interests = data["interests"] = yaml_edit.list_as_map(interests, 1)
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
        added = yaml_edit.scalar(keyword, quote)
        yaml_comments.append(interests, added, _weight(1 if weight is None else weight))


def remove_interest(data: Data, keyword: str, path: Path) -> None:
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    existing = _find(keys, keyword)
    if existing is None:
        have = ", ".join(repr(str(k)) for k in keys) or "none"
        raise ProfileError(f"{path}: interests: no keyword {keyword!r} to remove (the profile has: {have})")
    yaml_comments.remove(data, "interests", keys.index(existing) if isinstance(interests, list) else existing)


def remove_keyword(data: Data, keyword: str, path: Path, user: str) -> None:
    """`digest profile remove`: :func:`remove_interest`, refused for the profile's last keyword with
    what to do instead (a profile needs one): not "invalid profile: interests: empty", of a file
    that stays valid. (The preferences page's save replaces the list whole: it may remove the last
    one as it adds another, :func:`set_interests`.)"""
    interests = data.get("interests")
    keys = list(interests) if isinstance(interests, list | dict) else []
    if len(keys) == 1 and (last := _find(keys, keyword)) is not None:
        stop = (  # paused already: no way to stop what is stopped
            f"{user} is paused already (nothing is sent)"
            if str(data.get("paused")).strip().lower() in ("true", "yes", "on")  # `paused: yes` read so too
            else f"or, to stop {user}'s digests, `digest profile set {user} paused true`"
        )
        raise ProfileError(
            f"{path}: interests: {str(last)!r} is the last keyword, and a profile needs at least one: "
            f"add another first (`digest profile add {user} KEYWORD`), then remove this one; {stop}. "
            "Nothing was saved"
        )
    remove_interest(data, keyword, path)


def add_exclude(data: Data, term: str, path: Path, one: bool = False) -> None:
    """Add an excluded term; ``one``: it was given as one term whatever commas it holds (the
    preferences page's "Smith, J."), so it is written in quotes, which say so to its reader."""
    term = clean_keyword(term, "exclude")
    exclude = data.get("exclude")
    if exclude is None:
        data["exclude"] = yaml_edit.new_list([yaml_edit.scalar(term, quote=one and "," in term)])
        return
    if isinstance(exclude, str):
        exclude = data["exclude"] = yaml_edit.new_list([exclude])
    if not isinstance(exclude, list):
        raise ProfileError(f"{path}: exclude: must be a list; fix it by hand first")
    if _find(exclude, term) is None:
        yaml_comments.append(exclude, yaml_edit.scalar(term, quote=one and "," in term))


def remove_exclude(data: Data, term: str, path: Path) -> None:
    exclude = data.get("exclude")
    if isinstance(exclude, str):
        exclude = data["exclude"] = yaml_edit.new_list([exclude])
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
    if (said := number_refused(key, value, path)) is not None:  # 1e-400: not "got 0"
        collect([said], f"{path}: invalid profile", ProfileError)
    return yaml_edit.scalar(opt.check.from_text(value))


def number_refused(key: str, typed: str, path: Path) -> str | None:
    """Why KEY's value typed as ``typed`` is refused, said as typed, if it reads as a number its
    check refuses (max_papers 1e-400 and -0: "got 1e-400", not the "got 0" the file would be read
    as); else None (text that is no number is said as typed by the validation already). The
    command line (`digest profile set`) and the preferences form's number fields share it."""
    check = declared(Profile)[key].check
    value = check.from_text(typed.strip()) if typed.strip() and check.widget == "number" else typed
    if isinstance(value, str):
        return None
    try:
        check(value, Reading(path.parent))
    except Invalid:
        return f"{key}: must be {check.what}, got {typed.strip()}"
    return None


def set_key(data: Data, key: str, value: str, path: Path) -> list[str]:
    """Set one key from command-line text; returns notes on what else had to change. An empty
    VALUE of a key that is not required takes its line out (comments kept): the key goes back to
    its default, as a field emptied on the preferences page does."""
    opt = declared(Profile).get(key)
    if opt is not None and opt.settable and not opt.required and not value.strip():
        if key in data:
            yaml_comments.drop(data, key)
        return drop_unused(data, key, opt.default)
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
        data["interests"] = yaml_edit.new_list()


def set_exclude(data: Data, terms: Sequence[str], path: Path) -> None:
    """Make the excluded terms exactly ``terms``, each one term (a new one with a comma is
    written in quotes); kept ones keep their comments and the way they were written."""
    if len(terms) > MAX_INTERESTS:  # refused before the (quadratic) merge
        raise ProfileError(f"{path}: exclude: {len(terms)} terms, over the limit of {MAX_INTERESTS}")
    exclude = data.get("exclude")
    keys = list(exclude) if isinstance(exclude, list) else ([exclude] if isinstance(exclude, str) else [])
    for old in keys:
        if all(keyword_key(old) != keyword_key(t) for t in terms):
            remove_exclude(data, old, path)
    for term in terms:
        add_exclude(data, term, path, one=True)
    if not terms and "exclude" in data:
        yaml_comments.drop(data, "exclude")
