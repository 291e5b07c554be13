"""A try whose answer to the message's data was never heard (the connection lost or timed out
during DATA, or the command quit at once while it waited) may have reached the server: answer_lost
reads that in the reply stored with the try, so a day's digest is not made again for a new address
(digest.deliver.wanted.readdressed). The replies that say so are made with the same words
(transports.during, DATA_LOST) that answer_lost reads; the rows earlier releases stored read as
before."""

from __future__ import annotations

import pytest

from digest.deliver.data_lost import DATA_LOST, answer_lost, during
from digest.deliver.data_sent import UNANSWERED
from digest.deliver.transports import Envelope, SmtpSender
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

# replies as stored in attempts by earlier releases (their words, as SmtpSender.send made them)
STORED_LOST = [
    "the server timed out during DATA",
    "the server hung up during DATA: Connection unexpectedly closed",
    "[Errno 104] Connection reset by peer during DATA",
    "timed out during DATA",
    "the command quit at once during DATA: its answer was not waited for, so the server may have taken it",
]
STORED_NOT_LOST = [
    "the server timed out during RCPT",
    "the server hung up during MAIL: Connection unexpectedly closed",
    "[Errno 111] Connection refused during MAIL",
    "451 4.3.0 try again later",
    "550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown",
    "withdrawn before the end of its data: not delivered",
    "",
]


@pytest.mark.parametrize("reply", STORED_LOST)
def test_a_stored_reply_of_an_answer_lost_during_data_is_read_as_such(reply):
    assert answer_lost(reply)


@pytest.mark.parametrize("reply", STORED_NOT_LOST)
def test_a_stored_reply_of_anything_else_is_not(reply):
    assert not answer_lost(reply)


def test_the_command_quitting_at_once_is_an_answer_lost_by_the_words_answer_lost_reads():
    """UNANSWERED counts as an answer lost because it is made with DATA_LOST, not because its
    sentence happens to hold " during DATA: "; its words are those earlier releases stored."""
    assert UNANSWERED.reply == STORED_LOST[-1]
    assert DATA_LOST in UNANSWERED.reply and answer_lost(UNANSWERED.reply)
    assert during("DATA") == DATA_LOST
    assert answer_lost("the server hung up" + during("DATA", "why")) and answer_lost("x" + during("DATA"))
    assert not answer_lost("the server hung up" + during("RCPT", "why"))


class Answering:
    """A real SMTP server that answers the end of the message's data with ``reply``."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):
        return self.reply


@pytest.mark.parametrize(
    "answer",
    ["451 4.3.0 queue write failed during DATA: try again later", "554 5.6.0 header too long during DATA"],
)
def test_a_servers_answer_holding_the_words_is_an_answer_heard_not_lost(tmp_path, answer):
    """The server answered the data (refused it, for now or for good): nothing of it reached the
    reader, whatever words its answer has, so a day's digest may be made again for a new address."""
    with LocalSmtpServer(Answering(answer)) as server:
        config = Workspace(tmp_path, server.port).config
        with SmtpSender(config.smtp) as sender:
            mail = Envelope(
                "<1@example.org>", "ada", config.smtp.sender, "ada@example.org", b"Subject: x\r\n\r\nx\r\n"
            )
            result = sender.send(mail)
    assert not result.ok and result.reply == answer
    assert not answer_lost(result.reply), f"the server's answer {result.reply!r} read as an answer lost"
