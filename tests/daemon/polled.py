"""A daemon polled on a clock of its own, as the tests of what its passes say at every poll take
one: the clock moves only when the test moves it, so "12 polls" is a minute at poll_seconds 5."""

from __future__ import annotations

import datetime as dt

from digest.daemon.service import Daemon

START = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
POLL = dt.timedelta(seconds=5)


class Polled:
    """``daemon`` (of ``config``, with ``sender_factory``) on the clock ``now``, from START."""

    def __init__(self, config, sender_factory=None) -> None:
        self.now = START
        self.daemon = Daemon(config, lambda: self.now, sender_factory=sender_factory)

    def polls(self, n: int) -> None:
        """``n`` passes, one at each poll (POLL apart): the clock moves on after each."""
        for _ in range(n):
            self.daemon.tick()
            self.now += POLL

    def an_hour_later(self) -> None:
        """The pass an hour on, when a trouble still met is said again."""
        self.now += dt.timedelta(hours=1)
        self.daemon.tick()
