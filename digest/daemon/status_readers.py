"""`digest status`'s readers: each one's line (schedule, last and next digest, a note), and the
times it shows, in the reader's zone or UTC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ReaderStatus:
    user: str
    email: str
    schedule: str
    last_sent: dt.datetime | None
    next_due: dt.datetime | None
    note: str
    next_papers: int | None = None  # how many papers the next digest holds as of now
    timezone: str = "UTC"  # the reader's: their last and next digest are shown in it


def reader_table(readers: Sequence[ReaderStatus]) -> list[str]:
    """The table of readers, a header and a line each."""
    lines = [f"{'reader':<14} {'schedule':<34} {'last digest':<22} {'next digest':<37} note"]
    for r in readers:
        last = _when(r.last_sent, r.timezone)
        lines.append(f"{r.user:<14} {r.schedule:<34} {last:<22} {_next(r):<37} {r.note}".rstrip())
    return lines


def _next(r: ReaderStatus) -> str:
    """'7 papers at 2026-03-16 08:00 CET': the next digest as it stands now, in the reader's zone."""
    if r.next_due is None:
        return "-"
    n = r.next_papers
    count = "" if n is None else f"{n} paper{'' if n == 1 else 's'} at "
    return count + _when(r.next_due, r.timezone)


def _when(moment: dt.datetime | None, zone: str = "UTC") -> str:
    """'2026-03-16 07:00 UTC', or in a reader's zone with its abbreviation ('08:00 CET'; a
    zone without one shows its offset: '+14')."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"
