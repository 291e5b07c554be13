"""Waiting on the outbox itself, not for a time: a message's lease running out, every message
settled. Each waits ``within`` seconds at the most, then fails naming what it waited for."""

from __future__ import annotations

import datetime as dt
import time

from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.unrecorded import Unrecorded
from digest.store import POSTGRESQL, Store


def times_past(database, times: str, params: tuple = (), within: float = 10.0) -> None:
    """Wait until every time ``times`` (a query, with ``params``) gives, leases' ends and due times
    (NULLs passed over), is past on the clock the workers judge them on: the database server's on
    PostgreSQL (a worker ahead too), this machine's on SQLite; ``within`` seconds at the most (a
    time written on the clock of a worker 5 min ahead: never). The times are whole seconds
    (digest.store_readers.iso), compared with now as whole seconds: a lease ending at 12:00:02 is
    held until 12:00:03."""
    end = time.monotonic() + within
    with Store(database) as store:
        while True:
            rows = store.db.execute(times, params).fetchall()
            found = [dt.datetime.fromisoformat(t) for row in rows for t in row if t]
            now = dt.datetime.now(dt.UTC)
            if store.dialect == POSTGRESQL:
                (now,) = store.db.execute("SELECT clock_timestamp()").fetchone()
            if all(t + dt.timedelta(seconds=1) <= now for t in found):
                return
            assert time.monotonic() < end, f"{times}: {found} not past within {within} s (now {now})"
            time.sleep(0.05)


def leases_over(database, within: float = 10.0) -> None:
    """Wait until every queued message's lease (outbox.claimed_until) has run out (times_past)."""
    times_past(database, "SELECT claimed_until FROM outbox WHERE status = ?", (QUEUED,), within)


def all_recorded(database, within: float = 30.0) -> None:
    """Wait until no message is queued in the outbox and none the server accepted waits to be
    recorded (digest.deliver.unrecorded): nothing is left to send or to try again."""
    end = time.monotonic() + within
    while True:
        with Store(database) as store:
            queued = Outbox(store).counts()[QUEUED]
        unrecorded = Unrecorded(database).entries()
        if not queued and not unrecorded:
            return
        assert time.monotonic() < end, (
            f"{queued} message(s) queued, {len(unrecorded)} accepted and not recorded, after {within} s"
        )
        time.sleep(0.05)
