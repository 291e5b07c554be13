"""What a time zone that is not an IANA name was meant to be: a name close to a known one
(Europe/Berln), a zone's abbreviation (PST, CEST), or an offset (UTC+1), which names no place
and so follows no daylight saving."""

from __future__ import annotations

import difflib
import re
from typing import Any
from zoneinfo import available_timezones

ABBREVIATIONS = {  # common ones naming one zone (not CST, IST: China or Chicago, India or Israel)
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "MDT": "America/Denver",
    "CDT": "America/Chicago", "EDT": "America/New_York",
    "BST": "Europe/London", "CEST": "Europe/Paris", "EEST": "Europe/Helsinki", "MSK": "Europe/Moscow",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
}  # fmt: skip
OFFSET = re.compile(r"(?:UTC|GMT)?\s*[-+\u2212]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)


def zone_hint(value: Any) -> str:
    """'did you mean Europe/Paris?' for a name close to a known one (case and spaces aside), the
    place of an abbreviation, what to write for an offset; else an example."""
    if not isinstance(value, str) or not value.strip():
        return "e.g. Europe/London"
    typed = value.strip()
    if typed.upper() in ABBREVIATIONS:
        return f"{typed} is an abbreviation: name the place, e.g. {ABBREVIATIONS[typed.upper()]}"
    if OFFSET.fullmatch(typed):
        return (
            "an offset names no place and follows no daylight saving: name the place whose time you "
            "mean, e.g. Europe/Paris"
        )
    names = {name.lower(): name for name in available_timezones()}
    close = difflib.get_close_matches(typed.lower().replace(" ", "_"), list(names), n=1, cutoff=0.8)
    return f"did you mean {names[close[0]]}?" if close else "e.g. Europe/London"
