"""`digest preview` of a reader with nothing new since a digest that the mail server deferred (451)
says that digest is not delivered yet: it waits in the outbox for its retry (its papers go in no
other digest). Before, it said "since their last digest (today at 07:01 UTC; the papers in it
are not sent again)", as of a digest the reader had. Once delivered, it says that again. A real
SMTP server on loopback (aiosmtpd) that defers, then accepts."""

from __future__ import annotations

from test_send_to_dir_leaves_deferred import DefersFirst

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump


def test_preview_says_the_last_digest_waits_to_be_delivered_until_it_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # preview-slow.html is written there
    handler = DefersFirst()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        ws.profile("slow", "email: slow@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        assert "451 4.3.0 try later" in ws.cli("send").output

        waiting = ws.cli("preview", "slow").stderr
        assert "since their last digest (made today at " in waiting, waiting
        assert (
            "not delivered yet: it waits in the outbox for its retry today at "
        ) in waiting and "; its papers go in no other digest)" in waiting, waiting
        assert "the papers in it are not sent again" not in waiting, waiting

        handler.deferring = False
        assert ws.cli("send").exit_code == 0
        delivered = ws.cli("preview", "slow").stderr
    assert "; the papers in it are not sent again)" in delivered, delivered
    assert "not delivered yet" not in delivered, delivered
