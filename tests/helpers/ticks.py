"""A daemon's pass as the tests of a daemon that fetches its sources take one."""

from __future__ import annotations

import datetime as dt

from digest.daemon.missed import note_said
from digest.daemon.service import Daemon
from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store


def tick(ws, now: dt.datetime):
    """One pass (tick.run_once) at ``now`` with the workspace ``ws``'s config as it stands (its
    sources, SMTP server and profiles), fetching what is due with no waits between requests: its
    report. The send times it found missed are noted as said, as `run --once` notes them once
    it printed them."""
    config = ws.config
    with (
        Store(config.database) as store,
        SmtpSender(config.smtp) as sender,
        Http(sleep=lambda s: None) as http,
    ):
        report = run_once(config, store, load_profiles(config), sender, now, http=http)
        note_said(store, report.missed)  # said (as `run --once` prints them, then notes them)
        return report


class Passes:
    """The daemon (service.Daemon, with its real SMTP sender) on the workspace ``ws``'s config, whose
    clock the test sets: ``minutes(n)`` takes ``n`` passes a minute apart from ``start``, ``next()``
    one a minute after the last."""

    def __init__(self, ws, start: dt.datetime) -> None:
        self.now = start
        self.daemon = Daemon(
            ws.config, lambda: self.now, sender_factory=lambda config: SmtpSender(config.smtp)
        )

    def minutes(self, n: int) -> None:
        start = self.now
        for minutes in range(n):
            self.now = start + dt.timedelta(minutes=minutes)
            self.daemon.run_once()

    def next(self) -> None:
        self.now += dt.timedelta(minutes=1)
        self.daemon.run_once()
