"""A message whose lease ends at the very instant `digest send` looks (the database server's clock):
`digest status` counts it its worker's (claims.workers: ``claimed_until >= now``) and no other
worker may take it yet (claims.free_for: free once ``claimed_until < now``), but `send`'s line
said it was not held ("waiting (`digest send` retries it)", ``claimed_until > now``). Held at
that instant, as the claims and `status` have it."""

from __future__ import annotations

import datetime as dt

from digest.daemon.already import describe_already
from digest.deliver.outbox import QUEUED, OutboxEntry
from digest.profiles.load import load_profiles

from conftest import Workspace

NOW = dt.datetime(2026, 12, 5, 17, 30, 33, tzinfo=dt.UTC)  # the server's clock, fixed


def queued(until: dt.datetime) -> OutboxEntry:
    made = NOW - dt.timedelta(minutes=5)
    return OutboxEntry(
        1,
        "<m@x>",
        "ada",
        "ada@example.org",
        "Digest",
        QUEUED,
        1,
        NOW,
        "451",
        made,
        None,
        "vm:4242:0a1b2c3d",
        until,
    )


def test_a_lease_ending_now_is_held_as_the_claims_and_status_say(tmp_path):
    ws = Workspace(tmp_path, 2525)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    (ada,) = load_profiles(ws.config)
    made = NOW - dt.timedelta(minutes=5)
    at_end = describe_already(ada, queued(NOW), made, NOW, leases_at=NOW)
    assert "held by" in at_end and "waiting (`digest send` retries it)" not in at_end, at_end
    after = describe_already(ada, queued(NOW - dt.timedelta(microseconds=1)), made, NOW, leases_at=NOW)
    assert "waiting (`digest send` retries it)" in after, after  # a microsecond past it: free
