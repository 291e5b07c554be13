"""A server that greeted us, then fell silent (smtp.timeout) or hung up at MAIL FROM or RCPT TO,
refused nothing, and has none of the message: its digest waits for its retry, said "not sent: the
mail server stopped answering; waits until ...: the server timed out during RCPT" by `digest
send` (and the daemon's log), "not sent to ada (the mail server stopped answering): ..." by `run
--once`, "not written (the mail server stopped answering, ..." by `send --to-dir`: the words of a
server silent at our login. Before, "deferred until ...", "deferred ada:", as of a server that
answered 4xx. One lost during DATA is said as such (the server may have it: test_answer_lost_said).
Real aiosmtpd whose RCPT never answers, a real raw socket server that hangs up at RCPT, real SQLite."""

from __future__ import annotations

from helpers.not_sent import STOPPED, SilentAtRcpt, due_now, hanging_up_at, ready, row_of_ada

from digest.deliver.held_said import DEFERRED, held_by
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace


def test_a_server_silent_at_rcpt_is_said_stopped_answering(tmp_path):
    with LocalSmtpServer(SilentAtRcpt()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        row = row_of_ada(ws.cli("send"))
        assert STOPPED in row and row.endswith(": the server timed out during RCPT"), row
        assert "deferred" not in row, row
        due_now(ws)
        ran = ws.cli("run", "--once")
        said = "not sent to ada (the mail server stopped answering): the server timed out during RCPT"
        assert said in ran.stdout and "deferred" not in ran.output, ran.output
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert "not written (the mail server stopped answering, it waits for its retry" in looked.stderr


def test_a_server_that_hangs_up_at_rcpt_is_said_stopped_answering(tmp_path):
    with hanging_up_at(b"RCPT") as port:
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row and ": the server hung up during RCPT: " in row and "deferred" not in row, row


def test_a_server_s_4xx_reads_as_before():
    assert held_by("451 4.3.0 error during RCPT") == DEFERRED  # its own reply, whatever its words


def test_a_server_that_greeted_us_and_hung_up_at_ehlo_is_said_stopped_answering(tmp_path):
    """Greeted, then gone at EHLO (or STARTTLS): it was reached, and refused nothing. Before, "not
    sent: the mail server could not be reached ...: cannot connect to the SMTP server ...: Connection
    unexpectedly closed; check smtp.host, smtp.port and smtp.security in the config"."""
    with hanging_up_at(b"EHLO") as port:
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row, row
    assert row.endswith(
        f"127.0.0.1:{port} (no TLS) greeted us, then hung up before any mail; tried again later"
    )
    assert "could not be reached" not in row and "check smtp" not in row, row


def test_a_server_in_tls_from_the_start_that_hung_up_at_ehlo_is_said_stopped_answering(tmp_path, trusted):
    """`smtp.security: ssl` alike: its TLS taken and its greeting heard, a hang-up at EHLO is a
    server that stopped answering. Before, "not sent: the mail server could not be reached ...:
    cannot connect to the SMTP server ... (ssl): Connection unexpectedly closed; check smtp.host,
    smtp.port and smtp.security in the config", as of a server never reached."""
    with hanging_up_at(b"EHLO", tls=trusted) as port:
        ws = ready(Workspace(tmp_path, port))
        ws.config_path.write_text(ws.config_path.read_text() + "  security: ssl\n")
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row, row
    assert row.endswith(f"127.0.0.1:{port} (ssl) greeted us, then hung up before any mail; tried again later")
    assert "could not be reached" not in row and "check smtp" not in row, row


def test_a_server_that_hangs_up_at_the_data_command_is_said_stopped_answering(tmp_path):
    """A hang-up at the DATA command, before its 354: none of the message was sent, so the server
    has none of it (not an answer lost after the data). Before, "the server hung up during DATA:
    ...", read as a lost answer ("the server may have it"; "deferred until ..." before that)."""
    with hanging_up_at(b"DATA") as port:
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
    assert STOPPED in row, row
    assert row.endswith(": the server hung up during the DATA command: Connection unexpectedly closed"), row
    assert "may have it" not in row and "deferred" not in row, row
