"""A worker's clock off the database server's (digest.daemon.claims.clock_skew): the leases
between workers are times of each worker's own clock, so a machine whose clock runs ahead by
more than a lease takes the readers and messages another worker still holds. Nothing said it;
each pass now does, with what it risks and what to do."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from digest.daemon.claims import SKEW_SAID, SkewSaid, clock_skew, skew_note
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


def test_the_skew_is_said_once_then_again_when_it_moves_or_an_hour_later_and_back_in_step():
    """A worker polls every minute: its clock's skew is not said 1,440 times a day."""
    said, t0 = SkewSaid(), dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    minutes = [t0 + dt.timedelta(minutes=m) for m in range(4)]
    ahead = dt.timedelta(seconds=300)
    assert said.to_say(dt.timedelta(seconds=1), t0) is None  # in step: nothing
    assert said.to_say(ahead, minutes[1]) is True
    assert said.to_say(ahead + dt.timedelta(seconds=2), minutes[2]) is None  # the same skew: said already
    assert said.to_say(ahead + SKEW_SAID, minutes[3]) is True  # moved on: said again
    assert said.to_say(ahead + SKEW_SAID, minutes[3] + dt.timedelta(hours=1)) is True  # an hour on
    assert said.to_say(dt.timedelta(0), minutes[3] + dt.timedelta(hours=2)) is False  # back in step: said
    assert said.to_say(dt.timedelta(0), minutes[3] + dt.timedelta(hours=3)) is None
    assert SkewSaid().to_say(None, t0) is None  # SQLite: no other clock


# one pass of a worker in its own process (its own worker id), on a machine whose clock is off by argv[2] s
PASS = """
import datetime as dt, sys
from digest.config import load_config
from digest.daemon.service import Daemon
from digest.db import wall_clock
clock = lambda: wall_clock() + dt.timedelta(seconds=float(sys.argv[2]))
daemon = Daemon(load_config(sys.argv[1]), clock=clock, wall=clock)
daemon.tick()
print(daemon.worker)
"""


def test_a_worker_a_day_ahead_keeps_the_others_rows_and_one_a_lease_behind_is_seen_running(tmp_path):
    """The workers table's times were each worker's own clock's: a worker whose clock ran a day
    ahead deleted the others' rows at every pass (not seen for a day, by its clock), and one
    behind by more than a lease was shown as "stopped or stuck?" while it ran. A worker whose
    clock is off the database server's by a fault writes the server's time there now; so does
    `digest status` judge with it, wherever it runs."""
    from digest.daemon.agree import alive
    from digest.daemon.status import collect_status

    with postgres_database() as url:
        ws = Workspace(tmp_path, database=url)
        lag = alive(ws.config) + dt.timedelta(minutes=1)
        offsets = {"in step": 0.0, "a day ahead": 86400.0, "behind": -lag.total_seconds()}
        ids = {}
        for machine, off in offsets.items():  # in this order: the one ahead passes after the other
            command = [sys.executable, "-c", PASS, str(ws.config_path), str(off)]
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
            ids[machine] = done.stdout.split()[-1]
        with Store(url) as store:
            seen = dict(store.db.execute("SELECT id, seen_at FROM workers").fetchall())
        assert set(seen) == set(ids.values())  # none pruned
        for at in seen.values():  # each on the server's clock (here, this machine's)
            assert abs(dt.datetime.fromisoformat(at) - wall_clock()) < dt.timedelta(minutes=1)
        for off in offsets.values():  # `digest status` on each machine
            now = wall_clock() + dt.timedelta(seconds=off)
            status = collect_status(ws.config, now, wall=now)
            assert [w.there for w in status.workers] == [True, True, True], status.workers
