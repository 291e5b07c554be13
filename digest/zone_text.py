"""What a time zone that is not an IANA name was meant to be: a name close to a known one
(Europe/Berln), a zone's abbreviation (PST, CEST), or an offset (UTC+1), which names no place
and so follows no daylight saving; and what an IANA name kept for old systems (EST: UTC-5 all
year, EST5EDT) is, with the place to write."""

from __future__ import annotations

import difflib
import re
from typing import Any
from zoneinfo import available_timezones

ABBREVIATIONS = {  # common ones naming one zone
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "MDT": "America/Denver",
    "CDT": "America/Chicago", "EDT": "America/New_York",
    "CEST": "Europe/Paris", "EEST": "Europe/Helsinki", "MSK": "Europe/Moscow",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul",
    "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
}  # fmt: skip
SEVERAL = {  # ones that name more than one zone: no guess, the places to choose from
    "BST": "Europe/London (British Summer Time) or Asia/Dhaka (Bangladesh)",
    "CST": "America/Chicago or Asia/Shanghai", "IST": "Asia/Kolkata, Asia/Jerusalem or Europe/Dublin",
    "AEST": "Australia/Sydney (summer time AEDT) or Australia/Brisbane (AEST all year)",
}  # fmt: skip
LEGACY = {  # IANA names kept for old systems: valid (a file that has one loads), rarely meant
    "EST": "is UTC-5 all year, without daylight saving (an hour off in New York all summer): name the "
    "place, America/New_York (or America/Panama for UTC-5 all year)",
    "MST": "is UTC-7 all year, without daylight saving (Arizona's time; an hour off in Denver all summer): "
    "name the place, America/Denver (or America/Phoenix for Arizona)",
    "HST": "is UTC-10 all year (Hawaii's time): name the place, Pacific/Honolulu",
    **{
        old: f"is a name kept for old systems: name the place, e.g. {place}"
        for old, place in (
            ("EST5EDT", "America/New_York"), ("CST6CDT", "America/Chicago"), ("MST7MDT", "America/Denver"),
            ("PST8PDT", "America/Los_Angeles"), ("CET", "Europe/Paris"), ("MET", "Europe/Paris"),
            ("EET", "Europe/Helsinki"), ("WET", "Europe/Lisbon"),
        )
    },
}  # fmt: skip
NO_PLACE = {  # names in the zone database that are no place's time: not to offer, said when written
    "localtime": "is this machine's own time zone (/etc/localtime: another machine's may be another), "
    "not a place's: name the place, e.g. Europe/London",
    "Factory": "is the zone of a machine whose time zone was never set (UTC, shown as -00), not a place's: "
    "name the place, e.g. Europe/London",
    "posixrules": "is the rule that POSIX time zone strings borrow (a link to one place's zone, set by "
    "the machine), not a place's: name the place, e.g. America/New_York",
}
COPIES = {  # the zone database's copies of each zone beside its names (not in available_timezones)
    "right/": "is {place} counted with leap seconds, which is read here with wrong offsets (right/Europe/"
    "London keeps summer time all winter): write {place}",
    "posix/": "is the zone database's copy of {place}, kept for old systems: write {place}",
}
ETC_GMT = re.compile(r"Etc/GMT([+-])(\d{1,2})")  # POSIX's sign: Etc/GMT+5 is UTC-5


def legacy_note(zone: str) -> str:
    """What a valid IANA name kept for old systems is, with the place to write ('' for another):
    EST (UTC-5 all year), EST5EDT, and Etc/GMT+5, which is UTC-5 (the sign reversed); and what a
    name that is no place's time is (localtime: this machine's zone, Factory, posixrules), or a
    copy of a place's kept beside its name (right/Europe/London, read wrongly; posix/...)."""
    if zone in LEGACY or zone in NO_PLACE:
        return LEGACY.get(zone) or NO_PLACE[zone]
    if (copy := zone[: zone.find("/") + 1]) in COPIES:
        return COPIES[copy].format(place=zone[len(copy) :])
    etc = ETC_GMT.fullmatch(zone)
    if not etc or not int(etc[2]):
        return ""
    hours, sign = int(etc[2]), "-" if etc[1] == "+" else "+"
    return (
        f"is UTC{sign}{hours} all year, not UTC{etc[1]}{hours}: the sign of an Etc/GMT name is the reverse "
        "of the offset it names, and it follows no daylight saving: name the place whose time you mean, "
        "e.g. Europe/Paris"
    )


def config_zone_note(path: object, zone: str) -> str:
    """What the config's own ``timezone:`` (``zone``, the default of the profiles that name none)
    is, if it is a name kept for old systems ('' for another): `digest status` lists it, the
    daemon says it once."""
    note = legacy_note(zone)
    return f"{path}: timezone: {zone} (the default of the profiles that name none) {note}" if note else ""


OFFSET = re.compile(r"(?:UTC|GMT)?\s*[-+\u2212]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)


# the zone database's areas, which its places' names begin with (not US/, Canada/: kept for old systems)
AREAS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
    "Pacific/",
)  # fmt: skip


def _places(typed: str, names: dict[str, str]) -> list[str]:
    """The zones whose place (the name's last part) is ``typed``, written without its area (Paris,
    new york, Sao Paulo), else close to it (Pari, Londn): those of the areas (Europe/Paris) where
    there are some, not the names kept for old systems (US/Pacific for Pacific, EST); [] for none."""
    place = typed.lower().replace(" ", "_")
    last: dict[str, list[str]] = {}
    for lowered, name in sorted(names.items()):
        if "/" in name and not legacy_note(name):
            last.setdefault(lowered.rsplit("/", 1)[1], []).append(name)
    if place not in last:
        close = difflib.get_close_matches(place, list(last), n=1, cutoff=0.8)
        if not close:
            return []
        place = close[0]
    found = last[place]
    return [name for name in found if name.startswith(AREAS)] or found


def zone_hint(value: Any) -> str:
    """'did you mean Europe/Paris?' for a name close to a known one (case and spaces aside), the
    place of an abbreviation, what to write for an offset; else an example. A name close to one
    kept for old systems (est, cet) is given the place to write, not that name (EST: UTC-5 all
    year, which the profile would be told of once it loads)."""
    if not isinstance(value, str) or not value.strip():
        return "e.g. Europe/London"
    typed = value.strip()
    if typed.upper() in ABBREVIATIONS:
        return f"{typed} is an abbreviation: name the place, e.g. {ABBREVIATIONS[typed.upper()]}"
    if typed.upper() in SEVERAL:
        return f"{typed} is an abbreviation of more than one zone: name the place, {SEVERAL[typed.upper()]}"
    if OFFSET.fullmatch(typed):
        utc = "write UTC if it is UTC you mean, else " if not any(d in typed for d in "123456789") else ""
        return (
            f"an offset names no place and follows no daylight saving: {utc}name the place whose time "
            "you mean, e.g. Europe/Paris"
        )
    names = {name.lower(): name for name in available_timezones()}
    # Paris: a zone's place, its area left out (not utc, a name whole in another case)
    if "/" not in typed and typed.lower() not in names and (places := _places(typed, names)):
        return f"did you mean {' or '.join(places)}?"
    close = difflib.get_close_matches(typed.lower().replace(" ", "_"), list(names), n=1, cutoff=0.8)
    if close and (note := legacy_note(names[close[0]])):  # est: not EST, which the profile is then told of
        return f"{names[close[0]]} {note}"
    return f"did you mean {names[close[0]]}?" if close else "e.g. Europe/London"
