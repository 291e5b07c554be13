"""A clock the test moves by hand, a daemon's passes and a timer's `digest run --once` on it (from
Monday 07:00 on), and a file saved in place as some editors save it: for the tests of what the
daemon reads of the profiles folder, and when."""

from __future__ import annotations

import datetime as dt

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from helpers.mon_0700 import MON_0700


class Clock:
    """A clock that says ``now`` until the test moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def edit_in_place(path, text: str) -> None:
    """As some editors save (and `echo >>`): the folder's time stays as it was."""
    with path.open("w") as f:
        f.write(text)


def passes(d: Daemon, clock: Clock, start: dt.datetime, *minutes: float) -> None:
    """A pass of ``d`` at each of ``minutes`` after ``start``."""
    for m in minutes:
        clock.now = start + dt.timedelta(minutes=m)
        d.run_once()


def run_once(ws, minutes: float) -> None:
    """A timer's `digest run --once` at 07:00 + ``minutes``: a Daemon of its own, started afresh."""
    clock = Clock(MON_0700 + dt.timedelta(minutes=minutes))
    Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp), once=True).run_once()
