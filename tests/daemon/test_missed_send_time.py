"""A send time no pass served within the grace (the daemon down at midnight, started at 04:56 with
``grace_minutes: 240``): the day's digest is not made late, its papers go in the next digest, once,
and `digest status` says so where the reader's line would otherwise read as on schedule. A real
store, real passes (run_once) under a chosen clock, aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.missed_history import at

from digest.daemon.status import collect_status, format_status
from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory."), ("Neuromorphic sensors four", "Spiking eyes.")]


def tick(ws: Workspace, now: dt.datetime):
    with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender:
        return run_once(ws.config, store, load_profiles(ws.config), sender, now)


def titles(received) -> list[str]:
    text = received.message.get_body(("plain",)).get_content()
    return sorted(line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line)


def ada_line(ws: Workspace, now: dt.datetime) -> str:
    text = format_status(collect_status(ws.config, now))
    return next(line for line in text.splitlines() if line.startswith("ada "))


def test_a_midnight_digest_missed_past_the_grace_is_said_and_its_papers_come_next_once(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 12))
    tick(ws, at(5, 12))
    tick(ws, at(6, 0, 1))  # Sunday's digest, on time
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 12))
    tick(ws, at(6, 12))  # ingested; then the daemon is down over Monday's midnight
    report = tick(ws, at(7, 4, 56))  # started again at 04:56: past the 240-minute grace
    assert report.scheduled == ()
    assert report.idle() == (
        "nothing to do: no source due, no new dump, no reader's digest due; ada's digest of"
        " 2026-12-07 00:00 UTC not sent within the 240-minute grace: what waits for them goes in their next,"
        " `digest send --user ada` sends it now (`digest status` shows when each reader's next one is)"
    )

    line = ada_line(ws, at(7, 4, 57))
    assert "2 papers at 2026-12-08 00:00 UTC" in line, line
    assert "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)" in line, line
    assert "its papers go in the next" in line and "`digest send --user ada` sends them now" in line, line

    tick(ws, at(8, 0, 1))
    assert [titles(m) for m in smtp_server.messages] == [
        ["Neuromorphic chips one", "Neuromorphic chips two"],
        ["Neuromorphic memory three", "Neuromorphic sensors four"],  # Monday's papers, once
    ]
    assert "no digest" not in ada_line(ws, at(8, 0, 2))  # served: the note is gone


def test_past_fifty_readers_a_missed_send_time_is_counted_as_missed_and_listed():
    from digest.daemon.status_readers import ReaderStatus, missed_note, reader_lines

    sent = at(7, 4, 56)
    calm = [
        ReaderStatus(f"r{i:02}", f"r{i:02}@example.org", "daily 07:00 UTC", sent, at(8, 7), "")
        for i in range(50)
    ]
    note = missed_note("ada", at(7, 0), dt.timedelta(minutes=240), "UTC")
    ada = ReaderStatus("ada", "ada@example.org", "daily 00:00 UTC", at(6, 0), at(8, 0), note, 2)
    lines = reader_lines([*calm, ada])
    assert lines[0] == "Readers: 51: 50 on schedule, 1 missed (every reader: `digest status --readers`)", (
        lines
    )
    assert any(line.startswith("ada ") and "no digest at 2026-12-07 00:00 UTC" in line for line in lines), (
        lines
    )


def test_run_once_says_a_missed_send_time_in_the_readers_zone_as_status_does(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile(
        "tok", 'email: tok@example.org\ninterests: [neuromorphic]\nsend_at: "07:00"\ntimezone: Asia/Tokyo\n'
    )
    ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 12))
    tick(ws, at(5, 12))
    tick(ws, at(5, 22, 1))  # the digest of Sunday 07:00 JST, on time
    ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 12))
    tick(ws, at(6, 12))
    report = tick(ws, at(7, 4, 56))  # Monday 07:00 JST (Sunday 22:00 UTC) passed its grace unserved
    assert "tok's digest of 2026-12-07 07:00 JST not sent within the 240-minute grace" in report.idle(), (
        report.idle()
    )
    line = next(
        x for x in format_status(collect_status(ws.config, at(7, 4, 57))).splitlines() if x.startswith("tok ")
    )
    assert "no digest at 2026-12-07 07:00 JST" in line, line
