"""Refusals after DATA: a provider or our relay refusing the message for a reason that is about us
(our sender not authorized, DMARC, a login required) is a refusal of us, as at RCPT TO: the
message waits and is retried, nobody is suppressed, and a relay that refuses every message so
stops the pass with what to check. A refusal of the message's content (spam, a virus) or of the
recipient's address stays that message's own failure. Real aiosmtpd servers on loopback."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.refusing_relay import (
    BOUNCE,
    NEITHER,
    OURS,
    READERS,
    DataRelay,
    RefusingData,
    TurningAway,
    delivered,
    each_waits_in_two_passes,
    fixed_then_sent_once,
    nobody_suppressed_or_failed,
)
from helpers.refusing_relay import readers as workspace_of_readers

from digest.config import load_config
from digest.deliver.outbox import Outbox
from digest.deliver.pacing import Circuit
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, SendResult, SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import FAILED, QUEUED, SENT, Store

from conftest import Workspace

pytestmark = pytest.mark.backends


def test_a_relay_refusing_every_message_after_data_stops_the_pass_and_burns_no_digest(tmp_path, database):
    handler = DataRelay("550 5.7.1 Sender not authorized")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1
        assert "refused the messages of 3 recipients in a row after DATA as a refusal of us" in result.output
        assert "Sender not authorized" in result.output and "check smtp.from" in result.output
        assert "DMARC" in result.output and "nobody was suppressed" in result.output
        assert "FAILED" not in result.output and "Traceback" not in result.output
        assert handler.datas == 3  # not one refused message per reader
        nobody_suppressed_or_failed(ws)
        status = ws.cli("status").output  # the operator sees the digests waiting, and why
        assert "Messages waiting to be sent:" in status and "Messages that failed for good" not in status
        assert status.count("last reply: 550 5.7.1 Sender not authorized") == 3
        dry = ws.cli("send", "--dry-run").output  # what `send` would now do: retry, not "attempted"
        assert "already attempted" not in dry and "retries it" in dry
        fixed_then_sent_once(ws, handler)


# Gmail's refusal of a sending address with a bad name: it speaks of spam, but of the spam that
# comes from our IP address (every message of ours is refused alike), not of this message's content.
IP_REPUTATION = (
    "550 5.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP "
    "address. To protect our users from spam, mail sent from your IP address has been blocked."
)


@pytest.mark.parametrize(
    "reply",
    ["550 5.7.26 Unauthenticated email from example.org is not accepted due to its DMARC policy",
     "530 5.7.0 Authentication required",
     IP_REPUTATION,
     "554 5.7.1 Rejected"],  # a bare policy refusal, to every message: it burns no digest either
)  # fmt: skip
def test_dmarc_or_a_login_required_after_data_is_a_refusal_of_us_too(reply, tmp_path, database):
    handler = DataRelay(reply)
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        output = ws.cli("send").output
        assert "after DATA as a refusal of us" in output
        assert "check smtp.from" in output and "IP address or domain listed as a source of spam" in output
        nobody_suppressed_or_failed(ws)
        fixed_then_sent_once(ws, handler)


def test_one_message_refused_after_data_as_not_authorized_by_its_words_waits_and_the_others_go(
    tmp_path, database
):
    """After the server took r0's digest it relays for us: a refusal of our sender for r2's
    message is of that message (a policy of r2's provider, which a fix of our sender's records
    may satisfy): it waits and is retried; the pass goes on."""
    handler = RefusingData({"r2@example.org"}, "550 5.7.1 Sender not authorized by the recipient's domain")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1 and "refused our mail, not the address; waits until" in result.output
        assert delivered(handler) == Counter({f"{u}@example.org": 1 for u in READERS if u != "r2"})
        nobody_suppressed_or_failed(ws)
        with Store(ws.config.database) as store:
            (waiting,) = Outbox(store).messages(status=QUEUED)
        assert waiting.user == "r2" and waiting.attempts == 1


# Refusals after DATA of us by their policy code alone (a bare 5.7.x, RFC 3463's "delivery not
# authorized, message refused"): no word of our sender, relaying, a login or our address's name.
BARE_POLICY = [
    "554 5.7.1 Rejected",
    "550 5.7.1 Message not authorized by the recipient's domain",
    "554 5.7.0 Message refused by policy",
    "550 5.7.2 Mailing list expansion prohibited",
]


@pytest.mark.parametrize("reply", BARE_POLICY)
def test_a_bare_policy_refusal_after_data_fails_that_message_when_it_comes_again_after_the_server_took_mail(
    reply, tmp_path, database
):
    """RFC 5321: a 5xx is permanent for that message. r2's message refused so waits once (the
    server may be turning away all our mail, or take it back); the server takes the others after
    it, so the same refusal at the retry is that message's: it fails then (its papers free again),
    nobody is suppressed, and it is not sent again for retry_for_hours."""
    handler = RefusingData({"r2@example.org"}, reply)
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        result = ws.cli("send")
        assert (
            result.exit_code == 1
            and "refused our mail, not the address; waits until" in result.output
            and "FAILED" not in result.output
        )
        assert delivered(handler) == Counter({f"{u}@example.org": 1 for u in READERS if u != "r2"})
        result = ws.cli("send")  # retried now: refused again
        assert result.exit_code == 1 and f"FAILED: {reply}" in result.output
        assert "deferred" not in result.output and "in a row" not in result.output
        assert ws.cli("send").exit_code == 0 and handler.refusals == 2
        with Store(ws.config.database) as store:
            assert Suppressions(store).all() == []
            (failed,) = Outbox(store).messages(status=FAILED)
            assert Outbox(store).counts() == {QUEUED: 0, SENT: len(READERS) - 1, FAILED: 1}
        assert failed.user == "r2" and failed.attempts == 2 and failed.last_error == reply


def test_a_bare_policy_refusal_before_the_server_took_any_mail_waits_until_it_takes_some(tmp_path, database):
    """r0's digest, the first of the pass, refused by a bare 5.7.1: nothing says yet whether the
    server refuses us (every message alike) or that message: it waits. The server then takes the
    others; retried, the same refusal fails it (the server takes our mail), with no third try."""
    handler = RefusingData({"r0@example.org"}, "554 5.7.1 Rejected")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        assert "refused our mail, not the address; waits until" in ws.cli("send").output
        with Store(ws.config.database) as store:
            (waiting,) = Outbox(store).messages(status=QUEUED)
        assert waiting.user == "r0" and waiting.attempts == 1
        assert "FAILED: 554 5.7.1 Rejected" in ws.cli("send").output  # retried now: refused again
        assert handler.refusals == 2 and len(handler.messages) == len(READERS) - 1
        assert ws.cli("send").exit_code == 0 and handler.refusals == 2
        with Store(ws.config.database) as store:
            (failed,) = Outbox(store).messages(status=FAILED)
            assert Suppressions(store).all() == []
        assert failed.user == "r0" and failed.attempts == 2 and failed.last_error == "554 5.7.1 Rejected"


def test_a_message_refused_as_spam_fails_alone_and_the_pass_goes_on(tmp_path, database):
    """A refusal of the message's content is not of us: three in a row, before any message was
    taken, still fail those three alone; nobody is suppressed, the others are sent."""
    refused = {f"r{i}@example.org" for i in (0, 1, 2)}
    handler = RefusingData(refused, "554 5.7.1 Message rejected as spam by Content Filtering")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1 and "in a row" not in result.output
        assert result.output.count("FAILED: 554 5.7.1 Message rejected as spam") == 3
        assert delivered(handler) == Counter({f"r{i}@example.org": 1 for i in (3, 4, 5)})
        with Store(ws.config.database) as store:
            assert Suppressions(store).all() == []
            assert Outbox(store).counts() == {QUEUED: 0, SENT: 3, FAILED: 3}


# Each reply after DATA, and whose fault it is (see test_refusals.AT_RCPT): after DATA only an
# address's enhanced code makes a bounce, and a refusal of the content is the message's alone.
AFTER_DATA = {
    "550 5.7.1 Sender not authorized": OURS,
    "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender": OURS,  # DMARC
    "550 5.7.23 SPF validation failed": OURS,
    "550 5.7.29 ARC validation failure": OURS,  # RFC 8617: of us whatever the words, not vague
    "530 5.7.0 Authentication required": OURS,
    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Spamhaus": OURS,
    "550 5.7.1 Relaying denied": OURS,
    "554 5.4.5 Daily sending quota exceeded": OURS,
    "550 Message refused: sender domain not allowed": OURS,  # no enhanced code: words of the sender
    IP_REPUTATION: OURS,  # the spam of our IP address, not of this message
    "554 5.7.1 Rejected: 192.0.2.1 is listed as a spam source by bl.example.org": OURS,
    "550 5.7.1 Message rejected: sending domain has a poor reputation for spam": OURS,
    "554 5.7.1 Message rejected as spam": NEITHER,
    "552 5.7.0 This message was blocked because its content presents a potential security issue": NEITHER,
    "554 5.7.1 Virus found in attachment": NEITHER,
    "550 5.7.1 Our system has detected that this message is likely unsolicited mail": NEITHER,
    "552 5.2.2 Mailbox full": NEITHER,
    "554 Transaction failed": NEITHER,
    "550 No such user here": NEITHER,  # no enhanced code after DATA: not a bounce (as before)
    "550 5.1.1 <r@example.org>: user unknown": BOUNCE,
    "550 5.7.13 User account disabled": OURS,  # maybe our account: a bounce only when it comes again
    "550 5.7.17 Mailbox owner has changed": BOUNCE,
    **dict.fromkeys(BARE_POLICY, OURS),  # ours only by their code (vague): see the tests above
}


@pytest.mark.parametrize("reply", AFTER_DATA)
def test_a_refusal_after_data_is_of_us_unless_it_is_of_the_content_or_the_address(reply, tmp_path):
    with LocalSmtpServer(RefusingData({"r@example.org"}, reply)) as server:
        config = load_config(Workspace(tmp_path, server.port).config_path)
        mail = Envelope("<m@example.org>", "r", config.smtp.sender, "r@example.org", b"Subject: s\r\n\r\n")
        with SmtpSender(config.smtp) as sender:
            result = sender.send(mail)
    assert result.reply == reply and result.permanent and result.stage == "DATA"
    found = BOUNCE if result.bounce else OURS if result.ours else NEITHER
    assert found == AFTER_DATA[reply]
    assert result.final == (found != OURS)
    assert result.vague == (reply in BARE_POLICY)


def test_the_relay_guard_counts_refusals_after_data_but_not_a_refusal_of_the_content():
    def refused(n: int, reply: str = "550 5.7.1 Sender not authorized") -> SendResult:
        return SendResult(False, reply, permanent=True, ours=reply.startswith("550"), stage="DATA")

    circuit = Circuit(limit=2, timeouts=2)
    circuit.record(refused(1), "r1@x.org")
    circuit.record(refused(2), "r2@x.org")
    circuit.record(refused(3, "554 5.7.1 spam"), "r3@x.org")  # the message's own: the streak ends
    circuit.record(refused(4), "r4@x.org")
    circuit.record(refused(5), "r5@x.org")
    assert not circuit.refused
    circuit.record(refused(6), "r6@x.org")
    assert circuit.refused and circuit.relayed and circuit.stages == {"DATA"}


def test_the_stop_and_what_to_check_are_said_once(tmp_path, database, caplog):
    """The error that stops the pass is what `digest send` prints (and the daemon's "tick failed"
    line says): the delivery does not log the same long advice before it, twice in a row."""
    handler = DataRelay("550 5.7.1 Sender not authorized")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        result = ws.cli("send")
        assert result.exit_code == 1
        assert result.output.count("check smtp.from") == 1
        assert not [r for r in caplog.records if "check smtp.from" in r.getMessage()]


@pytest.mark.parametrize(
    "reply", ["554 5.7.1 Rejected", "550 5.7.705 Access denied, tenant has exceeded threshold"]
)
def test_a_server_that_refuses_everyone_after_taking_one_message_burns_no_digest(reply, tmp_path, database):
    """r0's digest taken, the server then refuses every message with a bare policy code: that it
    took r0's says nothing of what it refuses now. Each waits (the old rule), in this pass and the
    next, which the refusals in a row stop; fixed, the server gets every digest once."""
    handler = TurningAway(reply)
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        each_waits_in_two_passes(ws, "after DATA as a refusal of us")
        fixed_then_sent_once(ws, handler)


class RefusingOnce(RefusingData):
    """Refuses the first message to ``refused`` with ``reply`` (a greylisting that answers 5xx),
    then takes it."""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        if self.refusals:
            self.refused = set()
        return await super().handle_DATA(server, session, envelope)


def test_a_bare_policy_refusal_that_the_server_takes_back_is_delivered_at_the_retry(tmp_path, database):
    """A 5.7.1 that a server gives once ("try again later", greylisting in a permanent code) after it
    took r0's digest: r2's waits and its retry is delivered, as before."""
    handler = RefusingOnce({"r2@example.org"}, "550 5.7.1 Greylisted, please try again later")
    with LocalSmtpServer(handler) as server:
        ws = workspace_of_readers(tmp_path, server, database)
        assert "refused our mail, not the address; waits until" in ws.cli("send").output
        assert ws.cli("send").exit_code == 0
        assert delivered(handler) == Counter({f"{u}@example.org": 1 for u in READERS})
        nobody_suppressed_or_failed(ws)
