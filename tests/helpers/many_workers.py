"""Workers on one PostgreSQL database and READERS readers due ten minutes ago (today), the listing of
their PAPERS taken in a minute ago: for the tests of several workers sending at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.store import Store

from conftest import Workspace, a_minute_ago, make_dump

READERS, WORKERS, LEASE = 2000, 4, 30


PAPERS = [
    (f"Neuromorphic Paper {i}", f"An abstract about neuromorphic chips, number {i}.") for i in range(15)
]


def setup(root: Path, port: int, url: str, readers: int = READERS) -> Workspace:
    """A worker's config folder on ``url`` with ``readers`` readers due, the database migrated once."""
    ws = Workspace(root, port, database=url)
    with ws.config_path.open("a") as f:
        f.write(
            f"scheduler:\n  poll_seconds: 0.5\n  settle_seconds: 1\ndelivery:\n  lease_seconds: {LEASE}\n"
        )
    # ten minutes ago, but today: just after midnight, "ten minutes ago" is yesterday's slot,
    # which a worker sends for yesterday's period while `send` makes today's (two digests)
    now = dt.datetime.now(dt.UTC)
    send_at = max(now - dt.timedelta(minutes=10), now.replace(hour=0, minute=0)).strftime("%H:%M")
    for i in range(readers):
        ws.profile(
            f"r{i:04d}", f'email: r{i:04d}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n'
        )
    ws.dump("day.txt", make_dump("Mar 14", PAPERS), mtime=a_minute_ago())
    with Store(url):  # migrated once, before the workers start (they would wait for each other)
        pass
    return ws
