"""A reader paused over their send time, then unpaused, was not missed: a pause means their papers
wait for their next digest. Before, once unpaused (after the send time's grace), the next pass said
"ada's digest of 2026-12-07 00:00 UTC not sent within the 240-minute grace" and `digest status`
named her "no digest at ... (not sent within the 240-minute grace)", as if no pass had run. A pass
that finds a reader paused at their send time notes it (digest.store_missed), and
digest.slots.missed_slot, the one decision the passes and `status` ask, leaves that send time out.
Their next send time, missed while they are not paused, is missed as any. Real passes
(helpers.ticks: run_once) under a chosen clock, the profile paused and unpaused as `digest profile
set` does (its file rewritten), a real store (SQLite and PostgreSQL), aiosmtpd."""

from __future__ import annotations

import pytest
from helpers.missed_history import ada_in_status, at, reader, sunday_served_monday_waiting
from helpers.ticks import tick

pytestmark = pytest.mark.backends


def test_a_send_time_passed_while_paused_is_not_missed_once_unpaused(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    assert len(smtp_server.messages) == 1
    ws.profile("ada", reader("ada", paused=True))
    for now in (at(6, 23, 58), at(7, 0, 1), at(7, 2)):  # passes over Monday's midnight: she is paused
        assert tick(ws, now).missed == ()
    ws.profile("ada", reader("ada"))  # unpaused past the grace
    report = tick(ws, at(7, 5, 1))
    assert report.missed == ()
    assert "not sent within" not in report.idle(), report.idle()
    line = ada_in_status(ws, at(7, 5, 2))
    assert "1 paper at 2026-12-08 00:00 UTC" in line and "not sent within" not in line, line
    # Tuesday's send time, missed while she is not paused (nothing ran over it): missed as any
    assert tick(ws, at(8, 4, 56)).missed == (("ada", at(8, 0), "UTC"),)
    line = ada_in_status(ws, at(8, 4, 57))
    assert "no digest at 2026-12-08 00:00 UTC (not sent within the 240-minute grace)" in line, line


def test_a_send_time_said_missed_before_a_pause_is_still_named_once_unpaused(mail_workspace, smtp_server):
    """Missed while she was not paused (no pass ran over it), said so, then paused and unpaused: it
    was missed, and `status` names it as before the pause (as of a reader who never paused); no
    pass says it again. Before, the pass that found her paused noted the send time as paused over
    (over the note that it was said), and `status` no longer named it once she was unpaused."""
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    sunday_served_monday_waiting(ws)
    assert tick(ws, at(7, 4, 56)).missed == (("ada", at(7, 0), "UTC"),)
    missed = "no digest at 2026-12-07 00:00 UTC (not sent within the 240-minute grace)"
    assert missed in ada_in_status(ws, at(7, 4, 57))
    ws.profile("ada", reader("ada", paused=True))
    assert tick(ws, at(7, 5, 1)).missed == ()
    ws.profile("ada", reader("ada"))
    assert tick(ws, at(7, 5, 6)).missed == ()
    line = ada_in_status(ws, at(7, 5, 7))
    assert missed in line, line
