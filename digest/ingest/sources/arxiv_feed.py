"""What arXiv's Atom and RSS listings share: the announce type, the abstract's prefix, the day."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

# The listing feeds start each abstract with "arXiv:2403.01234v1 Announce Type: new Abstract: ..."
_PREFIX = re.compile(r"^arXiv:\S+\s+Announce Type:\s*(?P<type>[\w-]+)\s+Abstract:\s*", re.IGNORECASE)
# Announcements of papers listed before: a new version ("replace", "replace-cross") or a changed
# abstract alone ("absonly", one of the types arXiv's feed service writes); not new work
REPLACEMENTS = frozenset({"replace", "replace-cross", "absonly"})


def split_abstract(text: str) -> tuple[str | None, str]:
    """(announce type or None, the abstract without the listing's prefix)."""
    m = _PREFIX.match(text)
    if not m:
        return None, text
    return m["type"].lower(), text[m.end() :]


def iso_day(value: str | None) -> dt.date | None:
    """The day of an Atom date (``2024-03-04T00:00:00-05:00``), as written (not moved to UTC)."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def rfc822_day(value: str | None) -> dt.date | None:
    """The day of an RSS date (``Mon, 04 Mar 2024 00:00:00 -0500``), as written."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


_BRACKETED = re.compile(r"\s*\([^()]*\)")
_BETWEEN_NAMES = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def split_authors(text: str) -> list[str]:
    """``dc:creator`` holds every name in one string: "A. One, B. Two and C. Three", each name
    followed by its affiliations in brackets where the authors gave them ("A. One (MIT, CNRS)"):
    those are left out, as the query API's ``arxiv:affiliation`` is, not split into names.
    A bracket left unpaired ("A. One (MIT, CNRS, B. Two") hides where the places end and the
    people begin: from the name holding a stray "(" to the end (from the start to the name
    holding a stray ")") is kept as one, as written, so no place becomes an author, no name is lost."""
    while (unbracketed := _BRACKETED.sub("", text)) != text:  # innermost first: "(Dept. (ICC), U.)"
        text = unbracketed
    seams = list(_BETWEEN_NAMES.finditer(text))
    spans = list(zip([0] + [m.end() for m in seams], [m.start() for m in seams] + [len(text)], strict=True))
    # what is left unpaired is ")"s before "("s: a "(" before a ")" would have been a pair
    opened = next((i for i, (a, b) in enumerate(spans) if "(" in text[a:b]), len(spans))
    closed = max((i for i, (a, b) in enumerate(spans) if ")" in text[a:b]), default=-1)
    if closed >= 0 or opened < len(spans):
        first = 0 if closed >= 0 else opened
        last = len(spans) - 1 if opened < len(spans) else closed
        together = (spans[first][0], spans[last][1])
        spans = spans[:first] + [together] + spans[last + 1 :]
    return [name for a, b in spans if (name := text[a:b].strip())]
