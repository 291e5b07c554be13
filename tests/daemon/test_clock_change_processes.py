"""The daemon's schedule across a clock change, as real `digest` processes see it: `run --once`
and `status` at chosen moments (libfaketime) around Berlin's skipped hour in spring and its
repeated hour in autumn, a real SMTP server taking the digests (tests/daemon/test_schedule.py
walks the schedule itself)."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from helpers.faked import digest_at, needs_faketime

from conftest import make_dump

pytestmark = needs_faketime

BER = 'email: ber@example.org\ninterests: [neuromorphic]\ntimezone: Europe/Berlin\nsend_at: "02:30"\n'


def utc(month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def row(ws, at: dt.datetime) -> str:
    (line,) = [x for x in digest_at(ws, "status", at=at).stdout.splitlines() if x.startswith("ber ")]
    return " ".join(line.split())


def test_a_send_time_in_the_skipped_hour_goes_out_once_an_hour_later_on_the_wall(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ber", BER)
    ws.dump("d.txt", make_dump("Mar 28", [("Neuromorphic One", "x")]), mtime=utc(3, 28, 20, 0))
    digest_at(ws, "run", "--once", at=utc(3, 29, 1, 20))  # 03:20 CEST: 02:30 did not happen
    assert smtp_server.messages == []
    assert row(ws, utc(3, 29, 1, 21)).endswith("1 paper at 2026-03-29 03:30 CEST")
    digest_at(ws, "run", "--once", at=utc(3, 29, 1, 31))  # 03:31 CEST
    digest_at(ws, "run", "--once", at=utc(3, 29, 2, 31))  # an hour on: nothing more
    assert [m.message["Subject"] for m in smtp_server.messages] == [
        "Your research digest for Mar 28, 2026: 1 paper"
    ]
    assert row(ws, utc(3, 29, 2, 32)).endswith("2026-03-29 03:31 CEST 0 papers at 2026-03-30 02:30 CEST")


def test_a_send_time_in_the_repeated_hour_goes_out_at_its_first_occurrence_only(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ber", BER)
    ws.dump("d.txt", make_dump("Oct 24", [("Neuromorphic One", "x")]), mtime=utc(10, 24, 20, 0))
    assert row(ws, utc(10, 25, 0, 20)).endswith("papers at 2026-10-25 02:30 CEST")  # the dump not read yet
    digest_at(ws, "run", "--once", at=utc(10, 25, 0, 31))  # 02:31 CEST, the first
    assert row(ws, utc(10, 25, 1, 31)).endswith("2026-10-25 02:31 CEST 0 papers at 2026-10-26 02:30 CET")
    digest_at(ws, "run", "--once", at=utc(10, 25, 1, 31))  # 02:31 CET, the second: nothing
    sent = digest_at(ws, "send", at=utc(10, 25, 1, 32)).stdout
    assert "already sent today at 02:31 CEST" in sent
    assert len(smtp_server.messages) == 1


def test_new_york_s_changes_neither_skip_nor_double_a_reader_s_digest(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ny", BER.replace("ber", "ny").replace("Europe/Berlin", "America/New_York"))
    ws.dump("d.txt", make_dump("Mar 7", [("Neuromorphic One", "x")]), mtime=utc(3, 7, 20, 0))
    for at in (utc(3, 8, 7, 20), utc(3, 8, 7, 31), utc(3, 8, 8, 31)):  # 03:20, 03:31, 04:31 EDT
        digest_at(ws, "run", "--once", at=at)
    ws.profile(
        "ny", BER.replace("ber", "ny").replace("Europe/Berlin", "America/New_York").replace("02:30", "01:30")
    )
    ws.dump("e.txt", make_dump("Oct 31", [("Neuromorphic Two", "x")]), mtime=utc(10, 31, 20, 0))
    for at in (utc(11, 1, 5, 31), utc(11, 1, 6, 31)):  # 01:31 EDT, then 01:31 EST
        digest_at(ws, "run", "--once", at=at)
    sent = [parsedate_to_datetime(m.message["Date"]) for m in smtp_server.messages]
    assert len(sent) == 2  # one a day: 02:30 EST, skipped, went out at 03:31 EDT; 01:30 EDT once
    assert utc(3, 8, 7, 31) <= sent[0] < utc(3, 8, 8, 31) and utc(11, 1, 5, 31) <= sent[1] < utc(11, 1, 6, 31)
