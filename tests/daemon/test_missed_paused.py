"""A reader paused over their send time, then unpaused, was not missed: a pause means their papers
wait for their next digest. Before, once unpaused (after the send time's grace), the next pass said
"ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace" and `digest status`
named her "no digest at ... (not sent within the 240-minute grace)", as if no pass had run. A pass
that finds a reader paused at their send time notes it (digest.store_missed), and
digest.slots.missed_slot, the one decision the passes and `status` ask, leaves that send time out.
Their next send time, missed while they are not paused, is missed as any. Real passes (run_once)
under a chosen clock, the profile paused and unpaused as `digest profile set` does (its file
rewritten), a real store (SQLite and PostgreSQL), aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.daemon.status import collect_status, format_status
from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory.")]  # what waits for her while she is paused
ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n'


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def tick(ws, now: dt.datetime):
    with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender:
        return run_once(ws.config, store, load_profiles(ws.config), sender, now)


def ada_in_status(ws, now: dt.datetime) -> str:
    status = format_status(collect_status(ws.config, now))
    return next(x for x in status.splitlines() if x.startswith("ada "))


def test_a_send_time_passed_while_paused_is_not_missed_once_unpaused(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
    tick(ws, at(5, 12))
    tick(ws, at(6, 0, 1))  # Sunday's digest, on time
    assert len(smtp_server.messages) == 1
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
    tick(ws, at(6, 12))
    ws.profile("ada", ADA + "paused: true\n")
    for now in (at(6, 23, 58), at(7, 0, 1), at(7, 2)):  # passes over Monday's midnight: she is paused
        assert tick(ws, now).missed == ()
    ws.profile("ada", ADA + "paused: false\n")  # unpaused past the grace
    report = tick(ws, at(7, 5, 1))
    assert report.missed == ()
    assert "not sent within" not in report.idle(), report.idle()
    line = ada_in_status(ws, at(7, 5, 2))
    assert "1 paper at 2026-12-08 00:00 UTC" in line and "not sent within" not in line, line
    # Tuesday's send time, missed while she is not paused (nothing ran over it): missed as any
    assert tick(ws, at(8, 4, 56)).missed == (("ada", at(8, 0), "UTC"),)
    line = ada_in_status(ws, at(8, 4, 57))
    assert "no digest at 2026-12-08 00:00 UTC (not sent within the 240-minute grace)" in line, line
