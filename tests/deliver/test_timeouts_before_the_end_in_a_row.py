"""A pass that stops after the server timed out so many times in a row says the count where the
other repeated failures say theirs (`refused 3 recipients in a row at RCPT TO`): after "timed out",
before where it was, "the server timed out twice in a row during the message's data, before its
end; stopped for this pass" (and "... twice in a row during RCPT; ...", "3 times in a row" with three
connections), as README's "A server that hangs" says it ("twice in a row"). Before, "2 times in a
row", and before that the count came after the words of where it was: "the server timed out during
the message's data, before its end 2 times in a row; stopped for this pass". All are read as a
server that stopped answering (rows stored before too). Real SmtpSender and pacing.Circuit, a
real raw loopback server that stops reading our data (its window closed) until smtp.timeout, one
thread a connection."""

from __future__ import annotations

from helpers.raw_smtp import raw_server

from digest.config import load_config
from digest.deliver.data_lost import unheard
from digest.deliver.held_said import STOPPED, held_by
from digest.deliver.pacing import Circuit, in_a_row
from digest.deliver.transports import Envelope, SmtpSender

from conftest import Workspace

STREAK = (
    "the server timed out twice in a row during the message's data, before its end; stopped for this pass"
)


def test_timeouts_before_the_data_s_end_in_a_row_are_counted_after_timed_out(tmp_path):
    with raw_server([], cut_after=300, apart=True) as server:
        server.stalled = True
        ws = Workspace(tmp_path, server.port)
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        config = load_config(ws.config_path)
        data = b"x" * 78 + b"\r\n"
        mail = Envelope("<m@example.org>", "ada", config.smtp.sender, "ada@example.org", data * 300_000)
        circuit = Circuit(1, timeouts=2)
        with SmtpSender(config.smtp) as sender:
            while not circuit.open:  # 24 MB a message: past any buffer
                circuit.record(sender.send(mail), mail.recipient)
        server.released.set()
    assert circuit.reply == STREAK, circuit.reply
    assert held_by(f"not tried: {STREAK}") == STOPPED


def test_rows_stored_before_read_alike():
    before = (
        "the server timed out during the message's data, before its end 2 times in a row; stopped for this"
    )
    before += " pass"
    assert held_by(f"not tried: {before}") == STOPPED
    assert held_by(f"not tried: {STREAK.replace('twice', '2 times')}") == STOPPED


def test_more_timeouts_than_two_are_counted_in_figures():
    """With three connections (smtp.connections: 3) the pass stops after three."""
    assert in_a_row("the server timed out during RCPT", 3) == (
        "the server timed out 3 times in a row during RCPT; stopped for this pass"
    )


def test_why_the_last_ended_is_not_said_of_the_digests_not_offered():
    """After DATA, the last try's "no answer ..., so it may have taken it" is that digest's alone."""
    assert in_a_row(unheard(1), 2) == "the server timed out twice in a row during DATA; stopped for this pass"
