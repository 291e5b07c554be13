"""Reader profiles: one YAML file per reader in the profiles folder; the file's stem is the user id."""

from __future__ import annotations

import difflib
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from digest.config import Config, parse_clock, valid_timezone
from digest.errors import ProfileError, collect
from digest.models import Interest, Profile
from digest.profiles.cache import ProfileCache

log = logging.getLogger(__name__)

KNOWN_KEYS = (
    "name",
    "email",
    "timezone",
    "send_at",
    "max_papers",
    "interests",
    "exclude",
    "min_score",
    "frequency",
    "weekday",
    "paused",
    "send_empty",
)
FREQUENCIES = ("daily", "weekdays", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def profile_path(config: Config, user: str) -> Path:
    return config.profiles / f"{user}.yaml"


def check_user_id(user: str) -> None:
    if not _USER_ID.match(user):
        raise ProfileError(f"{user!r} is not a usable user id (letters, digits, '.', '_' or '-')")


def load_profiles(config: Config) -> list[Profile]:
    """Every profile in the folder, sorted by user id; all problems of all files reported at once."""
    folder = config.profiles
    if not folder.is_dir():
        raise ProfileError(
            f"{folder}: the profiles folder does not exist; create it and add one "
            "<user>.yaml per reader (see config.example.yaml)"
        )
    profiles: list[Profile] = []
    problems: list[str] = []
    cache = ProfileCache.for_config(config, __file__)
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            profiles.append(cache.load(path, lambda p: load_profile_file(p, config)))
        except ProfileError as e:
            problems.append(str(e))
    cache.save()
    if problems:
        raise ProfileError("\n".join(problems))
    return profiles


def load_profiles_lenient(config: Config) -> tuple[list[Profile], list[str]]:
    """Every valid profile, and the problems of the invalid ones (the daemon keeps going)."""
    try:
        return load_profiles(config), []
    except ProfileError as e:
        if not config.profiles.is_dir():
            return [], [str(e)]
    profiles, problems = [], []
    cache = ProfileCache.for_config(config, __file__)
    for path in sorted(config.profiles.glob("*.yaml")) + sorted(config.profiles.glob("*.yml")):
        try:
            profiles.append(cache.load(path, lambda p: load_profile_file(p, config)))
        except ProfileError as e:
            problems.append(str(e))
    cache.save()
    return profiles, problems


def load_profile(config: Config, user: str) -> Profile:
    return load_profile_file(find_profile_file(config, user), config)


def find_profile_file(config: Config, user: str) -> Path:
    """The existing file of ``user`` (.yaml or .yml), or an error naming the closest user id."""
    check_user_id(user)
    path = profile_path(config, user)
    if not path.exists() and (alt := path.with_suffix(".yml")).exists():
        path = alt
    if not path.exists():
        known = sorted(p.stem for p in config.profiles.glob("*.y*ml")) if config.profiles.is_dir() else []
        hint = difflib.get_close_matches(user, known, n=1)
        tip = f" Did you mean {hint[0]!r}?" if hint else (f" Known: {', '.join(known)}." if known else "")
        raise ProfileError(f"{path}: no profile for user {user!r}.{tip}")
    return path


def load_profile_file(path: Path, config: Config) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: cannot read the profile: {e}") from None
    return parse_profile_text(text, path, config)


def parse_profile_text(text: str, path: Path, config: Config) -> Profile:
    """Validate a profile's YAML text as if it were the file at ``path`` (CLI, web, editor share this)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML: {e}") from None
    return parse_profile(data, path, config)


def parse_profile(data: Any, path: Path, config: Config) -> Profile:
    """Validate one profile's mapping; every problem in the file is listed together."""
    user = path.stem
    problems: list[str] = []
    if not _USER_ID.match(user):
        problems.append(
            f"file name: {path.name!r} is not a usable user id (letters, digits, '.', '_' or '-')"
        )
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a mapping with at least 'email' and 'interests'")
    for key in data:
        if key not in KNOWN_KEYS:
            hint = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            problems.append(f"{key}: unknown key" + (f" (did you mean {hint[0]}?)" if hint else ""))
    email = data.get("email")
    if email is None:
        problems.append("email: required")
    elif not isinstance(email, str) or not _EMAIL.match(email.strip()):
        problems.append(f"email: {email!r} is not a valid email address")
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(f"name: must be text, got {name!r}")
    timezone = data.get("timezone", config.timezone)
    if not valid_timezone(timezone):
        problems.append(f"timezone: {timezone!r} is not a known IANA time zone (e.g. Europe/London)")
    send_at = parse_clock(data.get("send_at", config.send_at.strftime("%H:%M")), "send_at", problems)
    max_papers = data.get("max_papers", config.max_papers)
    if not (isinstance(max_papers, int) and not isinstance(max_papers, bool) and max_papers >= 1):
        problems.append(f"max_papers: must be a whole number of at least 1, got {max_papers!r}")
    min_score = data.get("min_score", config.min_score)
    if not (isinstance(min_score, int | float) and not isinstance(min_score, bool) and min_score >= 0):
        problems.append(f"min_score: must be a number of at least 0, got {min_score!r}")
    frequency = data.get("frequency", "daily")
    if frequency not in FREQUENCIES:
        problems.append(f"frequency: {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    weekday = _parse_weekday(data.get("weekday", "monday"), problems)
    if "weekday" in data and frequency != "weekly":
        problems.append("weekday: only used with frequency: weekly")
    flags = {}
    for key in ("paused", "send_empty"):
        flags[key] = data.get(key, False)
        if not isinstance(flags[key], bool):
            problems.append(f"{key}: must be true or false, got {flags[key]!r}")
    interests = _parse_interests(data.get("interests"), problems)
    exclude = _parse_terms(data.get("exclude", []), "exclude", problems)
    collect(problems, f"{path}: invalid profile", ProfileError)
    return Profile(
        user=user,
        email=email.strip(),
        name=name,
        interests=interests,
        exclude=exclude,
        timezone=timezone,
        send_at=send_at,
        max_papers=max_papers,
        min_score=float(min_score),
        frequency=frequency,
        weekday=weekday,
        paused=flags["paused"] is True,
        send_empty=flags["send_empty"] is True,
        source=path,
    )


def _parse_weekday(raw: Any, problems: list[str]) -> int:
    """'monday', 'Mon' -> 0 ... 'sunday' -> 6."""
    prefixes = [d[:3] for d in WEEKDAYS]
    if (
        isinstance(raw, str)
        and raw.strip().lower()[:3] in prefixes
        and (WEEKDAYS[prefixes.index(raw.strip().lower()[:3])].startswith(raw.strip().lower()))
    ):
        return prefixes.index(raw.strip().lower()[:3])
    problems.append(f"weekday: {raw!r} is not a day of the week (e.g. monday)")
    return 0


def _parse_interests(raw: Any, problems: list[str]) -> tuple[Interest, ...]:
    if raw is None:
        problems.append("interests: required (a list of keywords, or a mapping keyword -> weight)")
        return ()
    items: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(k, 1) for k in raw]
    else:
        problems.append("interests: must be a list of keywords or a mapping keyword -> weight")
        return ()
    out: list[Interest] = []
    seen: set[str] = set()
    for phrase, weight in items:
        if not isinstance(phrase, str) or not phrase.strip():
            problems.append(f"interests: {phrase!r} is not a keyword (text expected)")
            continue
        phrase = " ".join(phrase.split())
        if weight is None:
            weight = 1
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            problems.append(f"interests.{phrase}: weight {weight!r} is not a positive number")
            continue
        if phrase.casefold() in seen:
            problems.append(f"interests.{phrase}: listed twice")
            continue
        seen.add(phrase.casefold())
        out.append(Interest(phrase, float(weight)))
    if not out and not problems:
        problems.append("interests: empty; add at least one keyword")
    return tuple(out)


def _parse_terms(raw: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(f"{key}: must be a list of keywords")
        return ()
    terms = []
    for term in raw:
        if not isinstance(term, str) or not term.strip():
            problems.append(f"{key}: {term!r} is not a keyword (text expected)")
        else:
            terms.append(" ".join(term.split()))
    return tuple(terms)
