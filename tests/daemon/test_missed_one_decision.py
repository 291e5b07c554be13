"""Whether a reader's send time was missed (no pass served it within the grace) is decided in one
place, digest.slots.missed_slot, which `digest run --once`'s pass and `digest status` both ask: the
two never disagree about a reader. Before, the pass left out a reader with any suppression row, so
a reader whose old address had bounced, and who had since given a new one, was "missed" in
`digest status` while `run --once` said "nothing to do ... no reader's digest due". A suppression
stops only the address it names (or any, for an unsubscribe): the reader at a new address is
served, and missed, like any other. And a send time is missed only while papers wait for the reader
(digest.daemon.missed): after downtime over a send time with no new listing, the pass said every
reader's "not sent within the 240-minute grace" (and the daemon logged it as a warning) while
status, which counts what waits, said nothing. Real passes (run_once) under a chosen clock, a real store,
aiosmtpd refusing the old address."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.missed_history import at

from digest.daemon.status import collect_status, format_status
from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

DAY_1 = [("Neuromorphic chips one", "Spikes."), ("Neuromorphic chips two", "More spikes.")]
DAY_2 = [("Neuromorphic memory three", "Spiking memory."), ("Neuromorphic sensors four", "Spiking eyes.")]


class NoOldAddress(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address.startswith("ada-old@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def tick(ws: Workspace, now: dt.datetime):
    with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender:
        return run_once(ws.config, store, load_profiles(ws.config), sender, now)


def test_a_reader_whose_old_address_bounced_is_missed_in_the_pass_as_in_status(tmp_path, database):
    with LocalSmtpServer(NoOldAddress()) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", 'email: ada-old@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
        tick(ws, at(5, 12))
        bounced = tick(ws, at(6, 0, 1))
        assert [d.reply for d in bounced.delivered] == ["550 5.1.1 no such user"]
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("d2.txt", make_dump("Dec 6", DAY_2), mtime=at(6, 11))
        tick(ws, at(6, 12))
        report = tick(ws, at(7, 4, 56))  # the daemon down over Monday's midnight, past the grace
        status = format_status(collect_status(ws.config, at(7, 4, 56)))
    line = next(x for x in status.splitlines() if x.startswith("ada "))
    assert "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)" in line, line
    assert report.missed == (("ada", at(7, 0), "UTC"),)
    said = report.idle()
    assert "ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace" in said, said


def test_a_send_time_passed_with_nothing_to_send_is_missed_neither_in_the_pass_nor_in_status(
    tmp_path, database
):
    with LocalSmtpServer(Mailbox()) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
        ws.dump("d1.txt", make_dump("Dec 5", DAY_1), mtime=at(5, 11))
        tick(ws, at(5, 12))
        sent = tick(ws, at(6, 0, 1))
        assert len(sent.delivered) == 1, sent  # Saturday's digest, Dec 6 00:01
        report = tick(ws, at(7, 4, 56))  # down over Monday's midnight, past the grace; no new dump came
        status = format_status(collect_status(ws.config, at(7, 4, 56)))
    line = next(x for x in status.splitlines() if x.startswith("ada "))
    assert "0 papers" in line and "not sent within" not in line, line
    assert report.missed == ()
    assert "not sent within" not in report.idle(), report.idle()
