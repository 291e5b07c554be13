"""Refusals of us by a bare policy code at RCPT TO (no word of relaying, our sender, a login or
our address's name), and the quotas and greylistings said in one: real aiosmtpd servers on
loopback and `digest send` as the operator meets them. Such a refusal waits while the server
turns everyone away alike; the same refusal again, after the server took mail, is that message's
own. No digest is burnt by a quota that runs out (split from test_refusals.py, whose relays and
readers these use)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest
from helpers.refusing import Refusing
from helpers.refusing_relay import (
    READERS,
    nobody_suppressed_or_failed,
    readers,
    refused_at_every_rcpt_after_one_taken,
)

from digest.config import load_config
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.deliver.transports import Envelope, SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import FAILED, QUEUED, SENT, Store

from conftest import Workspace

pytestmark = pytest.mark.backends  # the tests that take a database run on SQLite and PostgreSQL


# Refusals at RCPT TO of us by their policy code alone: no word of relaying, our sender, a login or
# our address's name. RFC 3463's "delivery not authorized, message refused", often a policy of the
# recipient's domain (Postfix's check_recipient_access), or a server turning away all our mail.
BARE_AT_RCPT = ["550 5.7.1 Rejected", "554 5.7.1 <{}>: Recipient address rejected: Access denied"]


@pytest.mark.parametrize("reply", BARE_AT_RCPT)
def test_a_bare_policy_refusal_at_rcpt_fails_that_message_when_it_comes_again_after_the_server_took_mail(
    reply, tmp_path, database
):
    """As after DATA: r2's message refused so waits once (the server may be turning away all our
    mail); the server takes the others after it, so the same refusal at the retry is r2's own
    (RFC 5321: a 5xx is permanent): it fails then, nobody suppressed, and is not tried again for
    retry_for_hours."""
    handler = Refusing({"r2@example.org"}, reply)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        result = ws.cli("send")
        assert (
            result.exit_code == 1
            and "refused our mail, not the address; waits until" in result.output
            and "FAILED" not in result.output
        )
        result = ws.cli("send")  # retried now: refused again
        assert result.exit_code == 1 and f"FAILED: {reply.format('r2@example.org')}" in result.output
        assert "deferred" not in result.output and "in a row" not in result.output
        assert ws.cli("send").exit_code == 0  # nothing left to try
        assert Counter(r for m in handler.messages for r in m.rcpt_tos) == Counter(
            {f"{u}@example.org": 1 for u in READERS if u != "r2"}
        )
        with Store(ws.config.database) as store:
            assert Suppressions(store).all() == []
            (failed,) = Outbox(store).messages(status=FAILED)
            assert Outbox(store).counts() == {QUEUED: 0, SENT: len(READERS) - 1, FAILED: 1}
        assert failed.user == "r2" and failed.attempts == 2


def test_a_relay_refusing_everyone_at_rcpt_with_a_bare_code_after_taking_one_message_burns_no_digest(
    tmp_path, database
):
    """r0's digest taken, then "550 5.7.1 Rejected" to every recipient: each waits, in this pass and
    the next (nothing taken since), which the refusals in a row stop; fixed, every digest goes once."""
    refused_at_every_rcpt_after_one_taken(tmp_path, database, "550 5.7.1 Rejected")


@pytest.mark.parametrize(
    ("reply", "bare"),
    [("550 5.7.1 Rejected", True),
     ("550 5.7.1 <r@example.org>: Relaying denied", False),  # words of relaying: ours, whatever
     ("553 5.7.1 <digest@example.org>: Sender address rejected: not owned by user", False),
     ("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", False),
     ("550 5.7.23 SPF validation failed", False),  # a code that names us
     ("550 5.7.1 Greylisted, please try again later", False)],  # a wait: waits however often
)  # fmt: skip
def test_at_rcpt_only_a_refusal_that_names_neither_us_nor_our_address_is_bare(reply, bare, tmp_path):
    with LocalSmtpServer(Refusing({"r@example.org"}, reply)) as server:
        config = load_config(Workspace(tmp_path, server.port).config_path)
        mail = Envelope("<m@example.org>", "r", config.smtp.sender, "r@example.org", b"Subject: s\r\n\r\n")
        with SmtpSender(config.smtp) as sender:
            result = sender.send(mail)
    assert result.stage == "RCPT" and result.ours and not result.final and result.vague == bare


class Quota(Mailbox):
    """A relay with a sending quota: it takes ``allowed`` recipients of ours in all, and answers
    every RCPT TO past that with ``rcpt`` (``{}``: the address) until the quota grows (a new hour)."""

    def __init__(self, allowed: int, rcpt: str) -> None:
        super().__init__()
        self.allowed, self.rcpt, self.taken = allowed, rcpt, 0

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        if self.taken >= self.allowed:
            return self.rcpt.format(address)
        self.taken += 1
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize("connections", [1, 2])
@pytest.mark.parametrize("reply", BARE_AT_RCPT)
def test_a_relay_whose_quota_runs_out_at_each_retry_burns_no_digest(reply, connections, tmp_path, database):
    """Two messages an hour, then a bare policy refusal to everyone (the quota is ours, not the
    readers'). At the retry the server takes two more, then refuses r4 and r5 again: they were
    refused among others refused alike, not alone, so they wait again; at the next hour they go."""
    handler = Quota(2, reply)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database, connections)
        first = ws.cli("send").output
        assert "FAILED" not in first and first.count("refused our mail, not the address; waits until") == 4
        handler.allowed += 2  # an hour later
        again = ws.cli("send").output
        assert "FAILED" not in again and again.count("refused our mail, not the address; waits until") == 2, (
            again
        )
        nobody_suppressed_or_failed(ws)
        handler.allowed += 2
        assert ws.cli("send").exit_code == 0
        received = Counter(r for m in handler.messages for r in m.rcpt_tos)
        assert received == Counter({f"{u}@example.org": 1 for u in READERS})
        nobody_suppressed_or_failed(ws)


class Greylisting(Mailbox):
    """Refuses each recipient of ``refused`` with ``reply`` at its first ``times`` RCPT TO, then
    takes it: a greylisting said in a 5xx."""

    def __init__(self, refused: set[str], reply: str, times: int) -> None:
        super().__init__()
        self.refused, self.reply, self.times = refused, reply, times
        self.seen: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        self.seen[address] += 1
        if address in self.refused and self.seen[address] <= self.times:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize(
    "reply",
    ["550 5.7.1 Greylisted, please try again later",
     "554 5.7.1 Service temporarily unavailable, try again in 5 minutes"],
)  # fmt: skip
def test_a_policy_refusal_that_says_to_try_again_later_waits_however_often_it_comes(
    reply, tmp_path, database
):
    """A 5xx that says so is a greylisting (a 4xx in a 5xx's code), not a bare refusal: r2's digest
    refused alone twice waits both times, and goes at the third."""
    handler = Greylisting({"r2@example.org"}, reply, times=2)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        for _ in range(2):
            result = ws.cli("send").output
            assert "refused our mail, not the address; waits until" in result and "FAILED" not in result, (
                result
            )
        assert ws.cli("send").exit_code == 0
        assert handler.seen["r2@example.org"] == 3
        nobody_suppressed_or_failed(ws)
        received = Counter(r for m in handler.messages for r in m.rcpt_tos)
        assert received == Counter({f"{u}@example.org": 1 for u in READERS})


def test_two_workers_at_once_meeting_a_quota_that_runs_out_burn_no_digest(tmp_path, database):
    """Two `digest send` processes at once, each recording its own results (on PostgreSQL, two
    workers sharing the queue): the relay takes two messages an hour, then refuses everyone with a
    bare 5.7.1. What one worker's refusals came among is read from both workers' attempts."""
    handler = Quota(2, "550 5.7.1 Rejected")
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        assert "FAILED" not in ws.cli("send").output
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        for _ in range(2):
            handler.allowed += 2  # an hour later
            workers = [
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in "ab"
            ]
            try:
                outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
            finally:  # failing, leave no worker behind
                for w in workers:
                    if w.poll() is None:
                        w.kill()
                        w.wait()
            assert not any("FAILED" in o or "Traceback" in o for o in outputs), outputs
            nobody_suppressed_or_failed(ws)
        received = Counter(r for m in handler.messages for r in m.rcpt_tos)
        assert received == Counter({f"{u}@example.org": 1 for u in READERS})
