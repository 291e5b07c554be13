"""A keyword or excluded term that a slip made of two: a comma in it (``exclude: medical, biology``;
not one quoted in a list, ``exclude: ["Smith, J."]``, which says it is one), or a list item indented
further than the one above, which YAML reads as the rest of that one (``- robots`` then
`` - drones``: the keyword 'robots - drones'). It is loaded as written (refusing it would stop
profiles that load today from loading); the commands that show a profile or what it selects say it."""

from __future__ import annotations

import re

from digest import yamlio
from digest.errors import ProfileError
from digest.keyword_checks import comma_parts, flow_list, spaced
from digest.models import Profile
from digest.zone_text import legacy_note


def profile_notes(profile: Profile) -> list[str]:
    """The notes on a profile that loads: its time zone's, if it is one kept for old systems
    (EST: UTC-5 all year), then its terms'."""
    text = _text(profile)  # read once for both
    return _zone_notes(profile, text) + term_notes(profile, text)


def _zone_notes(profile: Profile, text: str) -> list[str]:
    if not (note := legacy_note(profile.timezone)):
        return []
    try:
        data = yamlio.load(text, "", ProfileError)
    except ProfileError:
        data = None
    whose = "" if isinstance(data, dict) and "timezone" in data else " (the config's default)"
    return [f"note: {profile.source}: timezone: {profile.timezone}{whose} {note}"]


def term_notes(profile: Profile, text: str) -> list[str]:
    """One note per keyword or excluded term that a comma or a folded '- ' line splits, with the
    list that says two (a comma between digits, 1,3-butadiene, splits nothing; a term quoted in
    its list, ["Smith, J."], is one on purpose). ``text``: the profile's file (:func:`_text`)."""
    terms = [
        ("exclude", "excluded term", "a paper is left out only if it holds all of it", t)
        for t in profile.exclude
    ]
    terms += [("interests", "keyword", "scored as one phrase", i.phrase) for i in profile.interests]
    notes, written = [], re.sub(r"[ \t]+", " ", text).lower()
    quoted = {key: {spaced(t) for t in yamlio.quoted_items(text, key)} for key in ("exclude", "interests")}
    for key, what, how, term in terms:
        parts = comma_parts(term)
        if len(parts) > 1 and term not in quoted[key]:
            notes.append(
                f"note: {profile.source}: {key}: {term!r} is one {what} with a comma in it ({how}); "
                f"for {len(parts)} {what}s, list them apart: {flow_list(parts)}"
            )
        elif " - " in term and term.lower() not in written:  # on one line: meant so (COVID - 19)
            notes.append(
                f"note: {profile.source}: {key}: {term!r} is one {what} ({how}): a '- ' line indented "
                "further than the one above it is read as the rest of that one; for "
                f"{term.count(' - ') + 1} {what}s, indent every '- ' alike"
            )
    return notes


def _text(profile: Profile) -> str:
    """The profile's file ('' for no file): a term that stands in one of its lines (spaces folded,
    in lower case) was written so, not folded from two '- ' lines."""
    try:
        return profile.source.read_text(encoding="utf-8") if profile.source else ""
    except (OSError, UnicodeDecodeError):
        return ""
