"""A server that answers the end of a message's data with a code below 400 other than 250 ("221
2.0.0 bye", then hangs up) has the whole message and did not accept it: RFC 5321 takes only a 250
there as an acceptance, so the outbox sends it again, with the same Message-ID; but it did not
refuse it either, and may have taken it. Said so: "the mail server's answer to its data was
neither an acceptance nor a refusal; sent again at <when>: the server answered the end of the
data with 221 2.0.0 bye during DATA: not the 250 that accepts it, so it may have taken it", and
`run --once`'s "maybe sent to ada (...)"; `send --to-dir` leaves it for its retry by SMTP, and its
help says so. Read as an answer lost (data_lost.answer_lost): a day's
digest is not made again for a new address. Before, "deferred until <when>: 221 2.0.0 bye", as
if the server had asked to be tried later. Real aiosmtpd answering so on loopback, real
`digest send` and `run --once`, real SQLite."""

from __future__ import annotations

from helpers.not_sent import due_now, ready, row_of_ada

from digest.deliver.data_lost import answer_lost
from digest.deliver.held_said import NOT_ACCEPTED
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import Workspace

SAID = "the server answered the end of the data with 221 2.0.0 bye during DATA: not the 250 that accepts it"


class SaysBye(Mailbox):
    """Takes each message's data, and answers its end with "221 2.0.0 bye"."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        return "221 2.0.0 bye"


def test_a_221_to_the_data_is_said_maybe_taken_and_sent_again(tmp_path):
    handler = SaysBye()
    with LocalSmtpServer(handler) as server:
        ws = ready(Workspace(tmp_path, server.port))
        done = ws.cli("send")
        row = row_of_ada(done)
        assert f"{NOT_ACCEPTED}; sent again at 20" in row and SAID in row, row
        assert "deferred" not in row, row  # was: "deferred until ...: 221 2.0.0 bye"
        with Store(ws.config.database) as store:
            ((status, attempts, reply),) = store.db.execute("SELECT status, attempts, last_error FROM outbox")
        assert (status, attempts) == ("queued", 1) and answer_lost(reply), reply
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))  # the server may have it: not written
        due_now(ws)
        ran = ws.cli("run", "--once")
    assert f"maybe sent to ada ({NOT_ACCEPTED}): {SAID}" in ran.stdout, ran.output
    assert f"not written ({NOT_ACCEPTED}, it waits for its retry by SMTP" in looked.stderr, looked.output
    helped = " ".join(ws.cli("send", "--help").stdout.split())  # and --to-dir's help says it leaves it
    assert 'or neither an acceptance nor a refusal ("221 bye"): the mail server may have it' in helped
    assert len(handler.messages) == 2  # sent again, the same message
    assert handler.messages[0].message["Message-ID"] == handler.messages[1].message["Message-ID"]


def test_send_to_dir_leaves_it_and_its_help_says_so(tmp_path):
    """Tried by SMTP, it is the reader's email: `send --to-dir` leaves it queued, and its --help lists
    it beside an answer lost."""
    with LocalSmtpServer(SaysBye()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        ws.cli("send")
        looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    (note,) = [line for line in looked.stderr.splitlines() if line.startswith(f"not written ({NOT_ACCEPTED}")]
    assert ", it waits for its retry by SMTP" in note, note
    # its head does not say the server may have it: its last reply does (not left off as an answer lost's)
    assert note.endswith(f"last reply: {SAID}, so it may have taken it"), note
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    helped = " ".join(ws.cli("send", "--help").stdout.split())
    assert (
        'or its answer lost after its data, or neither an acceptance nor a refusal ("221 bye"): the mail'
        in helped
    )
