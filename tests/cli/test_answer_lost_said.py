"""A digest whose data the server had, its answer never heard (the connection cut, or silent past
smtp.timeout, after the data's end; or the command quit at once then) may be delivered: the outbox
sends it again at its retry, with the same Message-ID (the reader may get it twice, folded by their
mail client). It is said so: "the mail server's answer to its data was lost: it may have it; sent
again at ..." by `digest send` (and the daemon's log), "maybe sent to ada (...)" by `run --once`,
"not written (the mail server's answer to its data was lost: it may have it, ..." by `send
--to-dir` (its "last reply: ..." without the ", so it may have taken it" that says it again);
its reply, of a server silent past smtp.timeout, "the server timed out during DATA: no
answer to the end of the data (smtp.timeout: 1 s), so it may have taken it", of one that hung up
"the server hung up during DATA: no answer to the end of the data (Connection unexpectedly closed),
so it may have taken it" in `digest status`' last reply; after the words that say it may have it
(the row, the log, `run --once`), without their ", so it may have taken it": said once. Before,
"deferred until ...", "deferred ada:", "not written (deferred by the mail server, ...": as of a
server that answered 4xx, though it answered nothing. Real raw socket server that hangs up
after the data's end, real aiosmtpd that holds its answer to the data, real SQLite."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from helpers.held_answers import HeldAnswers
from helpers.not_sent import due_now, ready, row_of_ada
from helpers.raw_smtp import raw_server

from digest.deliver.data_lost import answer_lost
from digest.deliver.data_sent import UNANSWERED
from digest.deliver.held_said import ANSWER_LOST, held_by, reply_said
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

LOST = "the mail server's answer to its data was lost: it may have it"
SILENT = (
    "the server timed out during DATA: no answer to the end of the data (smtp.timeout: 1 s), so it may have "
    "taken it"
)
CUT = (
    "the server hung up during DATA: no answer to the end of the data (Connection unexpectedly closed), "
    "so it may have taken it"
)
MAYBE = ", so it may have taken it"  # left off after LOST, which says it


@contextlib.contextmanager
def hanging_up_after_data() -> Iterator[int]:
    """A loopback server that takes every command, and hangs up at the end of a message's data,
    before its answer: its port."""
    with raw_server([], hang_up_at=b".") as server:
        yield server.port


def test_a_hang_up_after_the_data_is_said_maybe_sent_and_sent_again(tmp_path, caplog):
    with hanging_up_after_data() as port, caplog.at_level("DEBUG"):
        ws = ready(Workspace(tmp_path, port))
        row = row_of_ada(ws.cli("send"))
        assert f"{LOST}; sent again at 20" in row, row
        assert row.endswith(f": {CUT.removesuffix(MAYBE)}") and row.count("may have") == 1, row
        status = ws.cli("status").stdout
        assert f"last reply: {CUT}" in status, status  # before: "... during DATA: Connection unexp..."
        assert "deferred" not in row and "not sent" not in row, row
        (logged,) = [r.getMessage() for r in caplog.records if "ada@example.org" in r.getMessage()]
        assert f"digest to ada <ada@example.org> {LOST}; sent again at 20" in logged, logged
        assert logged.count("may have") == 1, logged
        due_now(ws)
        ran = ws.cli("run", "--once")
        said = f"maybe sent to ada ({LOST}): {CUT.removesuffix(MAYBE)} (retry at"
        assert said in ran.stdout, ran.output
        assert "deferred" not in ran.output, ran.output
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    (note,) = [
        line for line in looked.stderr.splitlines() if line.startswith(f"not written ({LOST}, it waits")
    ]
    assert note.endswith(f"last reply: {CUT.removesuffix(MAYBE)}") and note.count("may have") == 1, note
    helped = " ".join(ws.cli("send", "--help").stdout.split())
    assert (
        "or its answer lost after its data, or neither an acceptance nor a refusal "
        '("221 bye"): the mail server may '
        "have it)" in helped
    ), helped


def test_an_answer_not_given_in_smtp_timeout_is_said_maybe_sent(tmp_path, caplog):
    """Its try said in our words, the answer not heard in that time, with the "may have taken it" of
    the other answers lost (UNANSWERED, data_lost.unconfirmed) in `digest status`' last reply, and
    once in `digest send`'s row and the log, whose "it may have it" says it (before, twice: "... it
    may have it; sent again at ...: ... (smtp.timeout: 1 s), so it may have taken it"; and before
    that "the server timed out during DATA" alone, status saying no more)."""
    mailbox = HeldAnswers(stage="DATA")
    with LocalSmtpServer(mailbox) as server, caplog.at_level("DEBUG"):
        ws = ready(Workspace(tmp_path, server.port))
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        try:
            row = row_of_ada(ws.cli("send"))
        finally:
            mailbox.release.set()
        status = ws.cli("status").stdout
    assert f"{LOST}; sent again at 20" in row and row.endswith(f": {SILENT.removesuffix(MAYBE)}"), row
    assert row.count("may have") == 1, row
    assert f"last reply: {SILENT}" in status, status
    logged = [r.getMessage() for r in caplog.records if "ada@example.org" in r.getMessage()]
    (line,) = [line for line in logged if "during DATA: no answer" in line]
    assert line.endswith(SILENT.removesuffix(MAYBE)) and line.count("may have") == 1, line
    assert answer_lost(SILENT) and answer_lost(CUT)  # so read: sent again, its day's digest not made anew


def test_a_command_quit_while_the_server_held_the_answer_is_said_alike():
    assert held_by(UNANSWERED.reply) == ANSWER_LOST
    said = "the command quit at once during DATA: its answer was not waited for"  # after "may have it"
    assert reply_said(UNANSWERED.reply) == said
    assert held_by("451 4.3.0 lost during DATA: try again") != ANSWER_LOST  # its own answer: heard
