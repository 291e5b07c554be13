"""A server that says no SIZE (or none digest can read) refusing one reader's message after its
data as too big ("552 5.3.4 Message too big for system"): the others get their digest, and that
reader's failure says the message's size and what makes a digest fit, as a SIZE said beforehand
does (test_smtp_size). Real `digest run --once` processes, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from helpers.faked import digest_at, needs_faketime

from digest.demo.smtp_server import Mailbox, free_port

from conftest import Workspace, make_dump

pytestmark = [pytest.mark.backends, needs_faketime]

SAVED = dt.datetime(2026, 3, 14, 9, 0, tzinfo=dt.UTC)  # the listing of Mar 14, saved that morning
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # the pass, ten minutes after the send time

FIT = "fewer papers (max_papers in the reader's profile) make a smaller digest"


class RefusingOneAsTooBig(Mailbox):
    """Takes every message but bob's, whose data's end it answers with ``reply``."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if envelope.rcpt_tos == ["bob@example.org"]:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


def pass_with(tmp_path, database: str, reply: str, papers: int) -> tuple[Mailbox, Workspace, str]:
    """ada, bob and cy due, ``papers`` papers each at most; one `digest run --once` (a real
    process) to a server refusing bob's message with ``reply``: the server, the workspace, what it said."""
    handler = RefusingOneAsTooBig(reply)
    server = Controller(handler, hostname="127.0.0.1", port=free_port("127.0.0.1"))
    server.start()
    try:
        ws = Workspace(tmp_path, server.port, database=database)
        papers_of_day = [(f"Neuromorphic {i}", "An event-driven chip.") for i in range(3)]
        ws.dump("day.txt", make_dump("Mar 14", papers_of_day), mtime=SAVED)
        for user in ("ada", "bob", "cy"):
            text = f"email: {user}@example.org\ninterests: [neuromorphic]\nmax_papers: {papers}\n"
            ws.profile(user, text + "send_at: '11:50'\n")
        done = digest_at(ws, "run", "--once", at=SENT, code=1)
    finally:
        server.stop()
    return handler, ws, done.stdout + done.stderr


@pytest.mark.parametrize(
    "reply", ["552 5.3.4 Message too big for system", "552 Message size exceeds fixed maximum"]
)
def test_a_message_refused_as_too_big_is_said_with_its_size_and_what_makes_it_fit(tmp_path, database, reply):
    """`digest run --once` said "FAILED bob: 552 5.3.4 Message too big for system", and `digest
    status` the same: the server's words alone, neither the size nor what to do (bob's papers go
    into his next digest, a bigger one, refused alike)."""
    handler, ws, said = pass_with(tmp_path, database, reply, papers=3)
    assert sorted(m.rcpt_tos[0] for m in handler.messages) == ["ada@example.org", "cy@example.org"]
    assert f"FAILED bob: {reply}; the message was " in said, said
    assert f" bytes: {FIT}" in said
    status = digest_at(ws, "status", at=SENT + dt.timedelta(minutes=1)).stdout
    assert "Messages that failed for good:" in status and f"{reply}; the message was " in status, status


def test_a_one_paper_message_refused_as_too_big_says_fewer_papers_cannot_help(tmp_path, database):
    handler, ws, said = pass_with(tmp_path, database, "552 5.3.4 Message too big for system", papers=1)
    assert sorted(m.rcpt_tos[0] for m in handler.messages) == ["ada@example.org", "cy@example.org"]
    assert "FAILED bob: 552 5.3.4 Message too big for system; the message was " in said, said
    assert "bytes with one paper: a digest cannot hold fewer papers: the server's message size limit" in said
    assert FIT not in said
    again = digest_at(ws, "send", at=SENT + dt.timedelta(minutes=1)).stdout  # the server stopped
    assert (
        "not tried again: once a digest fits the server's size limit (as said before), bob's next "
        "digest will include its papers"
    ) in again, again


def test_a_full_mailbox_is_not_said_as_a_message_too_big(tmp_path, database):
    handler, ws, said = pass_with(tmp_path, database, "552 5.2.2 Mailbox full", papers=3)
    assert "FAILED bob: 552 5.2.2 Mailbox full" in said and "the message was" not in said, said
