"""Eve's profile renamed: the days' dumps taken in, `digest send` and a daemon's pass at a chosen
moment, a profile file renamed, and a reader's digest of yesterday recorded: for the tests of a
renamed profile going on with its reader's history."""

from __future__ import annotations

import datetime as dt

from digest.daemon.sendnow import send_now
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.store import Store
from helpers.mon_0700 import MON_0700

from conftest import Workspace, make_dump

EVE = 'email: Eve@Example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\n'
DAY_1 = [("Neuromorphic Day One", "Spikes."), ("Neuromorphic Other", "Spikes too.")]


def add_dump(ws: Workspace, name: str, day: str, papers, now: dt.datetime) -> None:
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump(name, make_dump(day, papers), where="dumps", mtime=now)], now)


def send(ws: Workspace, now: dt.datetime):
    config = ws.config
    with Store(config.database) as store:
        return send_now(config, store, load_profiles(config), None, now)


def rename(ws: Workspace, old: str, new: str) -> None:
    folder = ws.root / "profiles"
    (folder / f"{old}.yaml").rename(folder / f"{new}.yaml")


def yesterday(ws: Workspace, user: str, now: dt.datetime = MON_0700) -> None:
    """``user`` had yesterday's digest (at eve@example.org)."""
    with Store(ws.config.database) as store, store.transaction():
        at = now - dt.timedelta(days=1)
        store.set_schedule_state(user, at.date().isoformat(), at)
        store.record_delivery(user, "<1@x>", "eve@example.org", [], at, in_transaction=True)
