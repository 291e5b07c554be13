"""A missed send time is said with the grace the passes used (SchedulerConfig.grace: grace_minutes,
and at least one poll), in whole minutes where it is whole minutes ("240-minute grace"), else in
seconds. Before, the figure was cut to whole minutes: `grace_minutes: 0.5` said "not sent within
the 0-minute grace", and a poll of 150 s (longer than `grace_minutes: 1`) "the 2-minute grace".
Real `digest run --once` and `digest status` under libfaketime, a real store, aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.faked import digest_at, needs_faketime
from helpers.missed_history import at

from conftest import make_dump

pytestmark = needs_faketime

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory."), ("Neuromorphic sensors four", "Spiking eyes.")]


@pytest.mark.parametrize(
    ("scheduler", "said"),
    [
        ("  grace_minutes: 0.5\n  poll_seconds: 10\n", "30-second grace"),
        ("  grace_minutes: 1\n  poll_seconds: 150\n", "150-second grace"),
        ("  grace_minutes: 2\n  poll_seconds: 10\n", "2-minute grace"),
    ],
)
def test_the_grace_said_is_the_grace_used(mail_workspace, smtp_server, scheduler, said):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    digest_at(ws, "run", "--once", at=at(5, 12))
    digest_at(ws, "run", "--once", at=at(6, 0, 0))  # Sunday's, on time
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    digest_at(ws, "run", "--once", at=at(6, 12))  # Monday's papers, waiting
    ws.config_path.write_text(ws.config_path.read_text() + "scheduler:\n" + scheduler)
    late = at(7, 0, 3)  # past each grace
    done = digest_at(ws, "run", "--once", at=late)
    assert f"ada's digest of 2026-12-07 00:00 UTC not sent within the {said}:" in done.stdout, done.stdout
    status = digest_at(ws, "status", at=late).stdout
    assert f"no digest at 2026-12-07 00:00 UTC (not sent within the {said})" in status, status
