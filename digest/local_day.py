"""A reader's local day: the moments it starts and ends, and how a moment is said in it ("today at
07:02 JST", "on Tue 2026-05-19 at 07:02 JST"). Light on purpose: `digest preview` says these
without loading the sending machinery (digest.daemon.sendnow)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The local midnights that start and end ``day`` in ``timezone`` (an IANA name). They must
    exist in UTC too (the store's times): a day at either end of the calendar (9999-12-31,
    0001-01-01) is read as the one next to it, which has the same digest."""
    zone, one = ZoneInfo(timezone), dt.timedelta(days=1)
    bounded = min(max(day, dt.date.min + one), dt.date.max - one)
    return dt.datetime.combine(bounded, dt.time(), tzinfo=zone), dt.datetime.combine(
        bounded + one, dt.time(), tzinfo=zone
    )


def day_at(timezone: str, moment: dt.datetime, now: dt.datetime) -> str:
    """``moment`` in the reader's time: "today at 02:32 JST", or "on Tue 2026-05-19 at 02:32 JST"
    when it is not ``now``'s day there."""
    zone = ZoneInfo(timezone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    day = "today" if local.date() == today else f"on {local:%a %Y-%m-%d}"
    return f"{day} at {local:%H:%M} {local:%Z}"
