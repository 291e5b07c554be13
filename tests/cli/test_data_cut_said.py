"""A server that hangs up while our data goes, before its end (our send of the data fails: its end
never handed over), never got the end, so it cannot have taken the message: `digest send` says
"not sent: the mail server stopped answering; waits until ...: the server hung up during the
message's data, before its end: [Errno 104] Connection reset by peer" (`run --once`: "not sent to
ada (the mail server stopped answering): ..."), the words of a hang-up at RCPT or at the DATA
command. Before, "the mail server's answer to its data was lost: it may have it; sent again at
...: the server hung up during DATA: Server not connected" ("maybe sent to ada"), as of a
connection lost after the data's end, whose answer was never heard (test_answer_lost_said): that
one stays so, as the server may have got the end then. Real `digest send` and `run --once`, a
real raw loopback server that resets the connection after its 354, real SQLite."""

from __future__ import annotations

import dataclasses

from helpers.not_sent import STOPPED, due_now, ready, row_of_ada
from helpers.raw_smtp import raw_server

from digest.config import load_config
from digest.deliver.data_lost import answer_lost
from digest.deliver.held_said import STOPPED as STOPPED_HELD
from digest.deliver.held_said import held_by
from digest.deliver.transports import Envelope, SmtpSender

from conftest import Workspace

CUT = ": the server hung up during the message's data, before its end: [Errno "


def test_a_hang_up_before_the_data_s_end_is_said_not_sent(tmp_path):
    with raw_server([], cut_after=0) as server:  # a reset as our data begins: none of it read
        ws = ready(Workspace(tmp_path, server.port))
        row = row_of_ada(ws.cli("send"))
        assert STOPPED in row and CUT in row, row
        assert "may have it" not in row and "during DATA" not in row, row
        due_now(ws)
        ran = ws.cli("run", "--once")
    assert f"not sent to ada (the mail server stopped answering){CUT}" in ran.stdout, ran.output
    assert "maybe sent" not in ran.output, ran.output
    assert server.messages == []


def test_a_server_that_stops_reading_our_data_timed_out_before_its_end(tmp_path):
    """One that stops reading our data (its window closed) until smtp.timeout: our data's end never
    went, so it has taken nothing. Before, "the server timed out during DATA" (an answer lost)."""
    with raw_server([], cut_after=300) as server:
        server.stalled = True
        ws = Workspace(tmp_path, server.port)
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        config = load_config(ws.config_path)
        mail = Envelope("<m@example.org>", "ada", config.smtp.sender, "ada@example.org", b"x" * 78 + b"\r\n")
        with SmtpSender(config.smtp) as sender:
            result = sender.send(
                dataclasses.replace(mail, data=mail.data * 300_000)
            )  # 24 MB: past any buffer
        server.released.set()
    assert result.timed_out and not result.ok
    assert result.reply == "the server timed out during the message's data, before its end", result.reply
    assert held_by(result.reply) == STOPPED_HELD and not answer_lost(result.reply)
