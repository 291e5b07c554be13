"""A worker's clock off the database server's (digest.daemon.claims.clock_skew): the leases
between workers are times of each worker's own clock, so a machine whose clock runs ahead by
more than a lease takes the readers and messages another worker still holds. Nothing said it;
each pass now does, with what it risks and what to do."""

from __future__ import annotations

import datetime as dt

from digest.daemon.claims import SKEW_SAID, clock_skew, skew_note
from digest.db import wall_clock
from digest.store import Store

from conftest import Workspace, postgres_database

LEASE = dt.timedelta(seconds=120)


def test_a_clock_five_minutes_ahead_of_the_database_servers_is_said_with_what_it_risks():
    with postgres_database() as url, Store(url) as store:
        now = wall_clock()
        assert abs(clock_skew(store, now)) < SKEW_SAID  # this machine runs the server: one clock
        assert skew_note(clock_skew(store, now), LEASE) is None
        note = skew_note(clock_skew(store, now + dt.timedelta(minutes=5)), LEASE)
        assert note is not None and note.startswith(
            "this machine's clock is 300 s ahead of the database server's: the workers' leases "
            "(delivery.lease_seconds: 120) are times of each worker's own clock"
        )
        assert "a digest sent twice" in note and "set the clock right (NTP)" in note
        behind = skew_note(clock_skew(store, now - dt.timedelta(minutes=1)), LEASE)
        assert behind is not None and "60 s behind the database server's" in behind


def test_on_sqlite_there_is_no_other_clock(tmp_path):
    with Store(Workspace(tmp_path).config.database) as store:
        assert clock_skew(store, wall_clock() + dt.timedelta(hours=1)) is None
