"""A reader's send time passed with no pass over it (the daemon down), then the reader paused before
any pass ran: the first pass finds them paused, and notes that send time as paused at, not missed
(digest.daemon.tick: digest.store_missed's PAUSED), as of a reader paused before it. Chosen so: a
profile keeps no time of its pause (a file's mtime is any edit's), so the pass cannot tell the two
histories apart, and of the two readings this one never says "... not sent within the 240-minute
grace: ..., `digest send --user ada` sends it now" of a reader who asked for no mail. Nothing of
hers is lost: the papers wait for her next digest once she is unpaused. The outage itself is said
of the readers not paused (bob). Real passes (helpers.ticks), a real store, aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.missed_history import ada_in_status, at, reader, sunday_served_monday_waiting
from helpers.ticks import tick

pytestmark = pytest.mark.backends


def test_a_reader_paused_after_a_send_time_no_pass_ran_over_is_not_said_missed(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    ws.profile("bob", reader("bob"))
    sunday_served_monday_waiting(ws)
    ws.profile("ada", reader("ada", paused=True))  # at 03:00 Monday: no pass ran over midnight
    report = tick(ws, at(7, 5))
    assert report.missed == (("bob", at(7, 0), "UTC"),), report.missed
    ws.profile("ada", reader("ada"))  # unpaused
    assert tick(ws, at(7, 6)).missed == ()
    line = ada_in_status(ws, at(7, 6, 1))
    assert "1 paper at 2026-12-08 00:00 UTC" in line and "not sent within" not in line, line
