"""`digest status`'s readers: each one's line (schedule, last and next digest, a note), and the
times it shows, in the reader's zone or UTC."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

READERS_LISTED = 50  # past this many, status sums the readers up and lists those needing attention
STATES = ("on schedule", "due now", "overdue", "missed", "paused", "suppressed", "unsubscribed")
CALM = ("on schedule", "paused")  # the states that need nobody: the others are listed
EVERY = "every reader: `digest status --readers`"


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


def reader_lines(readers: Sequence[ReaderStatus], every: bool = False) -> list[str]:
    """The readers' table, or past READERS_LISTED readers (unless ``every``) how many are in each
    state and the table of those needing attention (due, overdue, suppressed, unsubscribed)."""
    if every or len(readers) <= READERS_LISTED:
        return reader_table(readers)
    counts = Counter(state_of(r) for r in readers)
    summed = ", ".join(f"{counts[state]} {state}" for state in STATES if counts[state])
    lines = [f"Readers: {len(readers)}: {summed} ({EVERY})"]
    attention = [r for r in readers if state_of(r) not in CALM]
    if not attention:
        return lines
    lines += ["", "Readers needing attention:", *reader_table(attention[:READERS_LISTED])]
    more = len(attention) - READERS_LISTED
    return lines + ([f"... and {more} more ({EVERY})"] if more > 0 else [])


def state_of(r: ReaderStatus) -> str:
    """One of STATES, from the reader's note: "overdue" is due and not served since the daemon's
    poll (the note says what it waits for)."""
    if not r.note:
        return "on schedule"
    if r.note in ("paused", "due now"):
        return r.note
    if r.note.startswith(MISSED):
        return "missed"
    return next((word for word in ("suppressed", "unsubscribed") if r.note.startswith(word)), "overdue")


MISSED = "no digest at"


def missed_note(user: str, slot_at: dt.datetime, grace: dt.timedelta, zone: str) -> str:
    """A send time no pass served within the grace: its digest is not made late (README,
    *Restarts and crashes*); the papers wait in the window of the next one, the count beside it."""
    return (
        f"{MISSED} {shown_at(slot_at, zone)} (not sent within the {grace_said(grace)}): "
        f"its papers go in the next; `digest send --user {user}` sends them now"
    )


def grace_said(grace: dt.timedelta) -> str:
    """'240-minute grace', or in seconds where that is not whole minutes ('30-second grace',
    '150-second grace'): the grace the passes use (SchedulerConfig.grace: at least one poll),
    never a figure rounded off it ('0-minute')."""
    seconds = grace.total_seconds()
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}-minute grace"
    return f"{seconds:g}-second grace"


def reader_table(readers: Sequence[ReaderStatus]) -> list[str]:
    """The table of readers, a header and a line each."""
    lines = [f"{'reader':<14} {'schedule':<34} {'last digest':<22} {'next digest':<37} note"]
    for r in readers:
        last = shown_at(r.last_sent, r.timezone)
        lines.append(f"{r.user:<14} {r.schedule:<34} {last:<22} {_next(r):<37} {r.note}".rstrip())
    return lines


def _next(r: ReaderStatus) -> str:
    """'7 papers at 2026-03-16 08:00 CET': the next digest as it stands now, in the reader's zone."""
    if r.next_due is None:
        return "-"
    n = r.next_papers
    count = "" if n is None else f"{n} paper{'' if n == 1 else 's'} at "
    return count + shown_at(r.next_due, r.timezone)


def shown_at(moment: dt.datetime | None, zone: str = "UTC") -> str:
    """'2026-03-16 07:00 UTC', or in a reader's zone with its abbreviation ('08:00 CET'; a
    zone without one shows its offset: '+14')."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"
