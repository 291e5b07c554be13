"""The checks of a time of day, a day of the week and a time zone (:mod:`digest.checks` has the
rest)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.clock_text import clock_meant
from digest.options import Check, Invalid, Reading
from digest.zone_text import zone_hint

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Weekday(Check):
    """'monday', 'Mon', 'fri' -> 0 ... 6."""

    what = "a day of the week"
    widget = "select"

    def __call__(self, value: Any, reading: Reading) -> int:
        word = value.strip().lower() if isinstance(value, str) else ""
        for i, day in enumerate(WEEKDAYS):
            if len(word) >= 3 and day.startswith(word):
                return i
        raise Invalid(f"{value!r} is not a day of the week (e.g. monday)")

    def to_text(self, value: Any) -> str:
        return WEEKDAYS[value]

    def choices(self) -> list[tuple[str, str]]:
        return [(d, d.capitalize()) for d in WEEKDAYS]


class Clock(Check):
    """'07:30' -> time(7, 30). (An unquoted 17:30 is text too: digest.yamlio reads no base 60.)"""

    what = 'a time of day like "07:30"'
    widget = "time"

    def __call__(self, value: Any, reading: Reading) -> dt.time:
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
        if m and int(m[1]) < 24 and int(m[2]) < 60:
            return dt.time(int(m[1]), int(m[2]))
        meant = clock_meant(value)
        raise Invalid(
            f"{value!r} is not {self.what}" + (f' (did you mean "{meant:%H:%M}"?)' if meant else "")
        )

    def to_text(self, value: Any) -> str:
        return f"{value:%H:%M}"


def valid_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class TimeZone(Check):
    what = "an IANA time zone name (e.g. Europe/London)"
    widget = "timezone"

    def __call__(self, value: Any, reading: Reading) -> str:
        if not valid_timezone(value):
            raise Invalid(f"{value!r} is not a known IANA time zone ({zone_hint(value)})")
        return value
