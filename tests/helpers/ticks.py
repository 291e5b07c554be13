"""A daemon's pass as the tests of a daemon that fetches its sources take one."""

from __future__ import annotations

import datetime as dt

from digest.daemon.missed import note_said
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
