"""5.7.13 "user account disabled": whose account it is depends on where the server says it. RFC 5248
defines it for a client's account refused after it logged in: at AUTH or MAIL FROM it is ours (the
pass stops, nothing is held against the readers); at RCPT or after DATA it may be ours too, refused
at each recipient from the first message or from mid-pass on, and waits like any refusal of us; it is
the recipient's mailbox (a bounce) when it comes again after a first that came alone, the server
taking our mail before and after it. Real aiosmtpd servers on loopback."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest
from helpers import smtp_login
from helpers.fresh_messages import deliver, plain
from helpers.refusing import Refusing
from helpers.refusing_relay import (
    READERS,
    Relay,
    fixed_then_sent_once,
    nobody_suppressed_or_failed,
    readers,
    refused_at_every_rcpt_after_one_taken,
)
from helpers.smtp_login import sender_for

from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import LoginRefused
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import FAILED, QUEUED, SENT, Store

from conftest import NOW

pytestmark = pytest.mark.backends

auth_server = smtp_login.auth_server  # the fixture: an aiosmtpd server with a login

DISABLED = "550 5.7.13 User account disabled"


def test_at_auth_it_is_our_account_said_as_such_and_not_as_a_wrong_password(
    tmp_path, auth_server, monkeypatch
):
    from aiosmtpd.smtp import AuthResult

    refuse = lambda *args: AuthResult(  # noqa: E731
        success=False, handled=False, message="535 5.7.13 User account disabled"
    )
    port = auth_server(auth_require_tls=False, authenticator=refuse)
    with pytest.raises(LoginRefused) as info:
        sender_for(tmp_path, port, monkeypatch).connect()
    assert str(info.value) == (
        f"the SMTP server 127.0.0.1:{port} took the login as 'digest' but the account is disabled: "
        "535 5.7.13 User account disabled; its administrator (the mail provider) has to enable it again"
    )


def test_at_mail_from_it_is_our_account_the_pass_stops_and_burns_no_digest(tmp_path, database):
    handler = Relay(mail=DISABLED)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1 and handler.mails == 1 and handler.rcpts == 0
        assert "refused the sender <digest@example.org> at MAIL FROM as our account disabled" in result.output
        assert "has to enable the account of smtp.username again" in result.output
        nobody_suppressed_or_failed(ws)
        fixed_then_sent_once(ws, handler)


def test_at_rcpt_to_everyone_before_any_message_was_taken_it_is_ours_and_suppresses_nobody(
    tmp_path, database
):
    """Our account refused at each RCPT (a server checking it there): taken for the recipients'
    mailboxes, every reader would be suppressed for good."""
    handler = Relay(rcpt=DISABLED)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1 and "refused 3 recipients in a row at RCPT TO" in result.output
        assert handler.rcpts == 3 and "FAILED" not in result.output
        nobody_suppressed_or_failed(ws)
        fixed_then_sent_once(ws, handler)


def test_at_rcpt_from_a_server_that_took_our_mail_it_waits_once_then_is_the_recipients_mailbox(
    tmp_path, database
):
    """r2's mailbox disabled: refused alone (the server took r1's digest before and r3's after), it
    waits once (our account may have been disabled that moment: see the test below); refused so
    again at the retry, it is the recipient's mailbox: a bounce, suppressed."""
    handler = Refusing({"r2@example.org"}, DISABLED)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        first = ws.cli("send").output
        assert "refused our mail, not the address; waits until" in first and "FAILED" not in first
        nobody_suppressed_or_failed(ws)
        assert f"FAILED: {DISABLED}" in ws.cli("send").output
        with Store(ws.config.database) as store:
            assert [s.user for s in Suppressions(store).all()] == ["r2"]
            assert Outbox(store).counts() == {QUEUED: 0, SENT: len(READERS) - 1, FAILED: 1}


def test_the_first_readers_disabled_mailbox_waits_once_then_bounces_once_the_server_took_mail(
    tmp_path, database
):
    handler = Refusing({"r0@example.org"}, DISABLED)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        first = ws.cli("send").output
        assert "refused our mail, not the address; waits until" in first and "FAILED" not in first
        nobody_suppressed_or_failed(ws)
        assert f"FAILED: {DISABLED}" in ws.cli("send").output  # retried now: the server took mail
        with Store(ws.config.database) as store:
            assert [s.user for s in Suppressions(store).all()] == ["r0"]
        assert Counter(r for m in handler.messages for r in m.rcpt_tos) == Counter(
            {f"{u}@example.org": 1 for u in READERS if u != "r0"}
        )


def test_our_account_disabled_mid_pass_at_rcpt_suppresses_nobody(tmp_path, database):
    """The provider disables our account after it took r0's digest (a burst it took for abuse), and
    says so at each RCPT: that it took our mail a moment ago says nothing of whose account it is now.
    Each waits (nobody suppressed, nothing failed), and the next pass, taking nothing, stops at 3 in
    a row; enabled again, every digest goes once."""
    refused_at_every_rcpt_after_one_taken(tmp_path, database, DISABLED)


def test_once_a_disabled_mailbox_is_a_bounce_the_readers_new_digest_of_the_pass_is_not_tried(workspace):
    """r2's mailbox disabled, refused alone: it waits. At the retry, refused again: a bounce,
    suppressed; r2's new digest, made in that pass after it, is then not tried (no RCPT TO a
    suppressed address), as after any bounce in a pass."""
    handler = Refusing({"r2@example.org"}, DISABLED)
    with LocalSmtpServer(handler) as server, Store(workspace.config.database) as store:
        first = deliver(workspace, store, server.port, NOW, [plain(n) for n in range(6)])
        assert sorted(o.user for o in first if not o.ok) == ["r2"]
        new = dataclasses.replace(plain(2), message_id="<m2-again@example.org>")
        later = deliver(workspace, store, server.port, NOW + dt.timedelta(hours=1), [new])
        assert [o.reply for o in later][0] == DISABLED
        assert [o.reply for o in later][1].startswith("not tried: address suppressed: <r2@example.org>")
        assert [s.user for s in Suppressions(store).all()] == ["r2"]
