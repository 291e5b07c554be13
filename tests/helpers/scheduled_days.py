"""Monday 07:00, the listings of two days (the first's dump taken in six hours before), a pass of
tick.run_once at a given moment, and the titles of a digest received: for the tests of what a
scheduled digest holds."""

from __future__ import annotations

import datetime as dt

from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.profiles.load import load_profiles
from digest.store import Store
from helpers.mon_0700 import MON_0700

from conftest import Workspace

EARLIER = MON_0700 - dt.timedelta(hours=6)
PAPERS_1 = [("Neuromorphic Day One", "Spikes."), ("Unrelated One", "Soup.")]
PAPERS_2 = [("Neuromorphic Day Two", "More spikes."), ("Neuromorphic Day One", "Spikes again.")]


def tick(ws: Workspace, now: dt.datetime):
    """A pass (tick.run_once) at ``now`` with ``ws``' config: its report."""
    config = ws.config
    with Store(config.database) as store, SmtpSender(config.smtp) as sender:
        return run_once(config, store, load_profiles(config), sender, now)


def titles(received) -> list[str]:
    """The titles of the papers a received digest lists, in order."""
    text = received.message.get_body(("plain",)).get_content()
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line]
