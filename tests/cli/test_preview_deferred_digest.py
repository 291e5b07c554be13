"""`digest preview` of a reader with nothing new since a digest that the mail server deferred (451)
says that digest is not delivered yet: it waits in the outbox for its retry (its papers go in no
other digest). Before, it said "since their last digest (today at 07:01 UTC; the papers in it
are not sent again)", as of a digest the reader had. Once delivered, it says that again. A real
SMTP server on loopback (aiosmtpd) that defers, then accepts."""

from __future__ import annotations

import datetime as dt

from helpers.faked import digest_at, needs_faketime
from test_send_to_dir_leaves_deferred import DefersFirst

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs


@needs_faketime
def test_preview_says_the_last_digest_waits_to_be_delivered_until_it_is(tmp_path, monkeypatch):
    """Each command on a clock of the test's (libfaketime): at the real time, a send at 23:59:58 said
    the retry "on Tue 2026-12-08 at 00:00 UTC", not "today at "."""
    monkeypatch.chdir(tmp_path)  # preview-slow.html is written there
    handler = DefersFirst()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        ws.profile("slow", "email: slow@example.org\ninterests: [neuromorphic]\n")
        day = make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")])
        ws.dump("day.txt", day, mtime=SENT - dt.timedelta(hours=3))
        assert "451 4.3.0 try later" in digest_at(ws, "send", at=SENT, code=1).stdout

        waiting = digest_at(ws, "preview", "slow", at=SENT + dt.timedelta(minutes=1)).stderr
        assert "since their last digest (made today at 12:00 UTC, " in waiting, waiting
        assert (
            "not delivered yet: it waits in the outbox for its retry today at 12:0"
        ) in waiting and "; its papers go in no other digest)" in waiting, waiting
        assert "the papers in it are not sent again" not in waiting, waiting

        handler.deferring = False
        digest_at(ws, "send", at=SENT + dt.timedelta(minutes=2))
        delivered = digest_at(ws, "preview", "slow", at=SENT + dt.timedelta(minutes=3)).stderr
    assert "; the papers in it are not sent again)" in delivered, delivered
    assert "not delivered yet" not in delivered, delivered
