"""The history the tests of missed send times start from (digest.daemon.missed): readers whose
send time is midnight UTC got Sunday's digest on time, and a listing came on Sunday that waits
for Monday's, so a Monday midnight no pass ran over is missed (papers wait for them)."""

from __future__ import annotations

import datetime as dt

from digest.daemon.status import collect_status, format_status
from helpers.faked import at
from helpers.ticks import tick

from conftest import make_dump

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory.")]  # what waits for Monday's digest


def reader(user: str, paused: bool = False) -> str:
    """A profile asking for neuromorphic papers daily at midnight UTC."""
    flag = "true" if paused else "false"
    return f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\npaused: {flag}\n'


def sunday_served_monday_waiting(ws) -> None:
    """With ``ws``'s readers written: Saturday's listing in, Sunday's digests sent at midnight by a
    pass (tick), Sunday's listing in at noon (what waits for Monday's digests)."""
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    tick(ws, at(5, 12))
    tick(ws, at(6, 0, 1))  # Sunday's digests, on time
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    tick(ws, at(6, 12))


def ada_in_status(ws, now: dt.datetime) -> str:
    """ada's line of `digest status` at ``now``."""
    status = format_status(collect_status(ws.config, now))
    return next(x for x in status.splitlines() if x.startswith("ada "))


# what the daemon says of ada's Monday midnight missed
MISSED = "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace"
