"""A new profile file found by a folder's first scan (a timer's `digest run --once`, the daemon's
start) halfway through its first save: waited for, as at a daemon's later passes."""

from __future__ import annotations

import time

import pytest
from helpers.hand_clock import MON_0700, Clock, passes, run_once
from helpers.writers import written_in_two_parts

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender

from conftest import make_dump

pytestmark = pytest.mark.backends  # on SQLite and PostgreSQL


@pytest.mark.parametrize("start", ["run --once", "daemon start"])
def test_a_new_file_read_halfway_by_a_first_scan_is_not_taken(mail_workspace, smtp_server, start):
    # before, the 07:20 run (or a daemon started at 07:20) took ada's new file as it read then,
    # "email: ada@example.o", and sent her first digest there
    ws = mail_workspace
    ws.dump("d1.txt", make_dump("Mar 15", [("Neuromorphic Chips", "Spikes.")]), mtime=MON_0700)
    ws.profile("bob", 'email: bob@example.org\ninterests: [robots]\nsend_at: "09:00"\n')
    writer = written_in_two_parts(ws.root / "profiles" / "ada.yaml")
    if start == "run --once":
        run_once(ws, 20.25)  # waits until the file is two seconds old: changed since, left out
        assert writer.wait(timeout=30) == 0
        run_once(ws, 21)  # the timer's next run
    else:
        clock = Clock(MON_0700)
        d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
        passes(d, clock, MON_0700, 20.25)  # waits as a run does: changed since, left to the next pass
        assert writer.wait(timeout=30) == 0
        time.sleep(2)  # a pass is a minute later
        passes(d, clock, MON_0700, 21.25)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.org"]]
