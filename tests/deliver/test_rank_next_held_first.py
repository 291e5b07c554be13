"""`digest rank --next` of a reader whose first digest was held for their new address (its period
reopened, their schedule state gone: deliver/wanted.reopen_period) is no new reader's: their next
digest starts where the held one ended (Store.previous_digest_through), not at the latest listing,
and the empty window is said so. Real parts: a real daemon's passes, a real SMTP server on loopback
greylisting the old address, a real `digest rank --next`, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from helpers.greylisted_bob import (
    BOB,
    FRI_0730,
    PAPERS,
    Greylisting,  # bob@example.org's first RCPT answered 451
    bobs_daemon,
)

from digest.demo.smtp_server import LocalSmtpServer
from digest.files import write_atomic

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def test_rank_next_after_a_held_first_digest_is_not_said_of_the_latest_listing(tmp_path, database):
    with LocalSmtpServer(Greylisting()) as server:
        ws = Workspace(tmp_path, server.port, database)
        path, at = bobs_daemon(ws)
        birds = make_dump("Mar 19", [*PAPERS, ("Ornithology Notes", "Birds.")])  # not in bob's digest
        ws.dump("day.txt", birds, mtime=FRI_0730 - dt.timedelta(hours=6))
        at(1)  # 07:31: bob's first digest (Robotics Today) made; the server answers 451
        new = BOB.replace("bob@example.org", "bob@new.example.org").replace("robotics: 2", "ornithology: 2")
        write_atomic(path, new)  # his new address, and birds now
        at(3)  # 07:33: the retry held, the period reopened: no schedule state left
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "rank", "bob", "--next"]
    ranked = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert ranked.returncode == 0, ranked.stdout + ranked.stderr
    # the latest listing holds Ornithology Notes: bob's next digest starts after it (was: "first")
    assert ranked.stdout == "Nothing for bob's next digest yet: no paper since the last one matches.\n"
