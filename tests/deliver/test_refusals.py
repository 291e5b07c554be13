"""Whose fault a refusal is: a reader's address, or us (our sender, our relaying). Real aiosmtpd
servers on loopback that refuse what a misconfigured relay refuses, and `digest send` as the
operator meets it: a refusal of us stops the pass, suppresses nobody and fails nobody; once the
server is fixed, the next `send` delivers every digest once."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.refusing import Refusing
from helpers.refusing_relay import (
    BOUNCE,
    NEITHER,
    OURS,
    READERS,
    Relay,
    fixed_then_sent_once,
    nobody_suppressed_or_failed,
    readers,
)

from digest.config import load_config
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import FAILED, QUEUED, SENT, Store

from conftest import Workspace

pytestmark = pytest.mark.backends  # the tests that take a database run on SQLite and PostgreSQL


def test_relaying_denied_to_every_recipient_stops_the_pass_and_suppresses_nobody(tmp_path, database):
    handler = Relay(rcpt="550 5.7.1 <{}>: Relaying denied")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1
        assert "refused 3 recipients in a row at RCPT TO as a refusal of us" in result.output
        assert "Relaying denied" in result.output and "smtp.username" in result.output
        assert "nobody was suppressed" in result.output and "Traceback" not in result.output
        assert handler.rcpts == 3  # not one refused RCPT per reader
        nobody_suppressed_or_failed(ws)
        status = ws.cli("send", "--dry-run").output  # what `send` would now do: retry, not "attempted"
        assert "already attempted" not in status and "suppressed" not in status
        fixed_then_sent_once(ws, handler)


def test_a_sender_refused_at_mail_from_stops_the_pass_like_a_refused_login(tmp_path, database):
    handler = Relay(mail="550 5.7.1 <digest@example.org>: Sender address rejected")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1
        assert "refused the sender <digest@example.org> at MAIL FROM" in result.output
        assert "Sender address rejected" in result.output and "check smtp.from" in result.output
        assert handler.mails == 1 and handler.rcpts == 0  # the first refusal stops the pass
        nobody_suppressed_or_failed(ws)
        fixed_then_sent_once(ws, handler)


def test_one_policy_refusal_among_accepted_recipients_waits_and_the_others_go(tmp_path, database):
    handler = Refusing({"r2@example.org"}, "550 5.7.1 <r2@example.org>: not authorized")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1  # not everybody was served
        assert (
            "r2@example.org" in result.output
            and "refused our mail, not the address; waits until" in result.output
        )
        assert sorted(r for m in handler.messages for r in m.rcpt_tos) == [
            f"{u}@example.org" for u in READERS if u != "r2"
        ]
        nobody_suppressed_or_failed(ws)
        with Store(ws.config.database) as store:
            (waiting,) = Outbox(store).messages(status=QUEUED)
        assert waiting.user == "r2" and waiting.attempts == 1


def test_a_bad_mailbox_among_accepted_recipients_is_still_failed_and_suppressed(tmp_path, database):
    handler = Refusing({"r2@example.org"}, "550 5.1.1 <r2@example.org>: user unknown")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        assert "FAILED: 550 5.1.1" in ws.cli("send").output
        assert len(handler.messages) == len(READERS) - 1
        with Store(ws.config.database) as store:
            assert [s.user for s in Suppressions(store).all()] == ["r2"]
            assert Outbox(store).counts() == {QUEUED: 0, SENT: len(READERS) - 1, FAILED: 1}


def test_three_dead_mailboxes_in_a_row_are_three_bounces_and_stop_no_one_elses_mail(tmp_path, database):
    """The same plain reply for three readers in a row is three dead addresses, not the relay."""
    dead = {f"r{i}@example.org" for i in (1, 2, 3)}
    handler = Refusing(dead, "550 Unrouteable address")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        assert ws.cli("send").exit_code == 1  # not everybody was served
        assert Counter(r for m in handler.messages for r in m.rcpt_tos) == Counter(
            {f"r{i}@example.org": 1 for i in (0, 4, 5)}
        )
        with Store(ws.config.database) as store:
            assert sorted(s.user for s in Suppressions(store).all()) == ["r1", "r2", "r3"]
            assert Outbox(store).counts() == {QUEUED: 0, SENT: 3, FAILED: 3}


def test_policy_refusals_after_the_server_took_a_message_are_of_those_readers_alone(tmp_path, database):
    """5.7.1 for three readers in a row, after the server took r0's digest: it relays for us,
    so the pass goes on to r4 and r5; the three wait, nobody suppressed."""
    refused = {f"r{i}@example.org" for i in (1, 2, 3)}
    handler = Refusing(refused, "550 5.7.1 <{}>: Recipient not authorized")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1 and "refused 3 recipients in a row" not in result.output
        assert Counter(r for m in handler.messages for r in m.rcpt_tos) == Counter(
            {f"r{i}@example.org": 1 for i in (0, 4, 5)}
        )
        nobody_suppressed_or_failed(ws)
        with Store(ws.config.database) as store:
            waiting = Outbox(store).messages(status=QUEUED)
        assert sorted(m.user for m in waiting) == ["r1", "r2", "r3"]


# Each reply at RCPT TO, and whose fault it is: the address's (a bounce: failed, suppressed), ours
# (waits, retried: nobody suppressed), or neither (that message fails, nobody suppressed: a
# server that answers it to every recipient must not suppress the whole list).
AT_RCPT = {
    "550 5.1.1 <r@example.org>: Recipient address rejected: User unknown": BOUNCE,
    "550 5.1.0 Address rejected": BOUNCE,
    "550 5.1.2 Host unknown": BOUNCE,
    "556 5.1.10 Recipient address has null MX": BOUNCE,
    "550 5.2.1 The email account that you tried to reach is disabled": BOUNCE,
    "550 No such user here": BOUNCE,  # no enhanced code: 550, 551, 553 as before
    "551 User not local": BOUNCE,
    "553 Requested action not taken: mailbox name not allowed": BOUNCE,
    "550 5.7.1 <r@example.org>: Relaying denied": OURS,
    "554 5.7.1 <r@example.org>: Relay access denied": OURS,
    "550 5.7.54 Unable to relay recipient in non-accepted domain": OURS,
    "553 5.1.8 <digest@example.org>: Sender address rejected: Domain not found": OURS,
    "530 5.7.0 Authentication required": OURS,
    "550 relay not permitted": OURS,  # no enhanced code, but words of relaying
    "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)": OURS,
    "552 5.2.2 Mailbox full": NEITHER,
    "554 Transaction failed": NEITHER,
    "503 5.5.1 Error: need MAIL command": NEITHER,
    "554 5.3.0 mail system error": NEITHER,
    "550 5.4.5 Daily user sending quota exceeded": OURS,
    "550 5.4.1 Recipient address rejected: Access denied": BOUNCE,  # Microsoft 365: no such user
    "550 5.0.0 User unknown": BOUNCE,  # the undefined X.0.0: the words tell
    "554 delivery error: This user doesn't have a yahoo.com account": BOUNCE,
    "550 Unrouteable address": BOUNCE,
    "550 Host 10.5.1.1 unreachable": BOUNCE,  # an IP address is no enhanced code: a plain 550
    # the X.7.X of the recipient's mailbox (RFC 3463's registry): not a policy about us
    "550 5.7.13 User account disabled": OURS,  # maybe our account: test_account_disabled
    "550 5.7.17 Mailbox owner has changed": BOUNCE,
    "550 5.7.18 Domain owner has changed": BOUNCE,
}


@pytest.mark.parametrize("reply", AT_RCPT)
def test_a_refusal_at_rcpt_is_the_addresss_fault_only_when_it_says_so(reply, tmp_path):
    with LocalSmtpServer(Refusing({"r@example.org"}, reply)) as server:
        config = load_config(Workspace(tmp_path, server.port).config_path)
        mail = Envelope("<m@example.org>", "r", config.smtp.sender, "r@example.org", b"Subject: s\r\n\r\n")
        with SmtpSender(config.smtp) as sender:
            result = sender.send(mail)
    assert result.reply == reply and result.permanent and result.stage == "RCPT"
    found = BOUNCE if result.bounce else OURS if result.ours else NEITHER
    assert found == AT_RCPT[reply]
    assert result.final == (found != OURS)  # a refusal of us is not the message's end


def test_the_relay_guard_counts_through_a_4xx_and_keeps_the_refusal_as_its_reply():
    from digest.deliver.pacing import Circuit
    from digest.deliver.transports import SendResult

    def relay(n: int) -> SendResult:
        return SendResult(
            False, f"550 5.7.1 <r{n}@x.org>: Relaying denied", permanent=True, ours=True, stage="RCPT"
        )

    circuit = Circuit(limit=2, timeouts=2)
    circuit.record(relay(1), "r1@x.org")
    circuit.record(SendResult(False, "451 4.7.1 try later"), "r2@x.org")  # a 4xx: the streak goes on
    circuit.record(relay(3), "r3@x.org")
    assert not circuit.refused
    circuit.record(relay(4), "r4@x.org")
    assert circuit.refused and circuit.relayed
    circuit.record(SendResult(False, "timed out during DATA", timed_out=True), "r5@x.org")  # another line's
    assert circuit.reply == "550 5.7.1 <r4@x.org>: Relaying denied"
    fresh = Circuit(limit=2, timeouts=2)
    fresh.record(SendResult(True, "250 OK"), "r0@x.org")  # the server relays for us
    for n in (1, 2, 3):
        fresh.record(relay(n), f"r{n}@x.org")
    assert not fresh.refused
