"""`digest send --user ada` in a new day, ada's digest of the day before waiting for its retry (the
server deferred it, 451), on PostgreSQL: another worker's pass retries that digest, and the server
defers it again, between the send's look and its claim. The send leaves it to its new retry time
(tests/daemon/test_deferred_meanwhile.py), and its row of that earlier digest says when it is retried,
as the other worker's deferral left it ("earlier digest: queued ...; deferred until <time> UTC: 451
..."), as the period's row says it of the day's digest: not "waiting (`digest send` retries it)",
which the send had just not done.

Real parts: two config folders on one PostgreSQL database (a daemon's worker and a user's `digest send`
process, paused before its claim), aiosmtpd on loopback deferring every message, libfaketime for the
first send, the evening before."""

from __future__ import annotations

from helpers.earlier_digest import deferred_again_meanwhile
from helpers.faked import needs_faketime

from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.held_said import retry_said


@needs_faketime
def test_an_earlier_digest_deferred_again_meanwhile_is_said_with_its_retry_time(tmp_path, monkeypatch):
    with deferred_again_meanwhile(tmp_path, monkeypatch) as (ws, said):
        (queued,) = collect_status(ws.config, wall_clock()).queued
    assert queued.attempts == 2, said
    (earlier,) = [line for line in said.splitlines() if line.startswith("ada ") and "earlier digest:" in line]
    retried = retry_said(queued.next_attempt_at)
    # was: "... earlier digest: queued yesterday at 23:50 UTC; waiting (`digest send` retries it)"
    assert earlier.endswith(f"; deferred until {retried}: 451 4.3.0 try again later"), said
    assert "retries it" not in said, said
