"""Waiting on the outbox itself, not for a time: a message's lease running out, every message
settled. Each waits ``within`` seconds at the most, then fails naming what it waited for."""

from __future__ import annotations

import datetime as dt
import time

from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.unrecorded import Unrecorded
from digest.store import POSTGRESQL, Store


def leases_over(database, within: float = 10.0) -> None:
    """Wait until every queued message's lease (outbox.claimed_until) has run out on the clock the
    senders judge it on (the database server's on PostgreSQL, this machine's on SQLite). The ends
    are whole seconds (digest.store_readers.iso), compared with now as whole seconds: a lease
    ending at 12:00:02 is held until 12:00:03."""
    held = "SELECT claimed_until FROM outbox WHERE status = ? AND claimed_until IS NOT NULL"
    end = time.monotonic() + within
    with Store(database) as store:
        while True:
            ends = [dt.datetime.fromisoformat(t) for (t,) in store.db.execute(held, (QUEUED,)).fetchall()]
            now = dt.datetime.now(dt.UTC)
            if store.dialect == POSTGRESQL:
                (now,) = store.db.execute("SELECT clock_timestamp()").fetchone()
            if all(t + dt.timedelta(seconds=1) <= now for t in ends):
                return
            assert time.monotonic() < end, f"leases ending {ends} not over within {within} s (now {now})"
            time.sleep(0.05)


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
