"""A bug of ours in one digest's send (an exception no SMTP or socket error explains) does not lose
the others: it becomes that digest's result, "internal error: RuntimeError: ...", its traceback
logged, and the digest waits for its retry. No server deferred it: it is said "not sent: an error
in digest itself stopped it (please report it, with the traceback logged); waits until ..." by
`digest send` (and the daemon's log), "not sent to ada (an error in digest itself ...)" by `run
--once`. Before, "deferred until ...: internal error: ...", "deferred ada: internal error: ...".
A real aiosmtpd, real `digest send` and `run --once`, real SQLite; the bug stands in by a check of
the message's size that raises (nothing real raises there)."""

from __future__ import annotations

from helpers.not_sent import due_now, ready, row_of_ada

import digest.deliver.transports
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace

BUG = "an error in digest itself stopped it (please report it, with the traceback logged)"


def test_a_bug_in_one_send_is_said_as_ours_not_deferred(tmp_path, monkeypatch):
    def over_size(*args: object) -> None:
        raise RuntimeError("a stand-in bug")

    monkeypatch.setattr(digest.deliver.transports, "over_size", over_size)
    with LocalSmtpServer(Mailbox()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        row = row_of_ada(ws.cli("send"))
        assert f"not sent: {BUG}; waits until 20" in row, row
        assert row.endswith(": internal error: RuntimeError: a stand-in bug") and "deferred" not in row, row
        due_now(ws)
        ran = ws.cli("run", "--once")
    assert f"not sent to ada ({BUG}): internal error: RuntimeError: a stand-in bug" in ran.stdout, ran.output
    assert "deferred" not in ran.output, ran.output


def test_send_to_dir_leaves_it_and_its_help_says_so(tmp_path, monkeypatch):
    """`send --to-dir` leaves such a digest queued for its retry by SMTP (as any tried one), and
    says so; its --help lists it with the rest (as README's `--to-dir` paragraph does)."""

    def over_size(*args: object) -> None:
        raise RuntimeError("a stand-in bug")

    monkeypatch.setattr(digest.deliver.transports, "over_size", over_size)
    with LocalSmtpServer(Mailbox()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        ws.cli("send")
    looked = ws.cli("send", "--to-dir", str(tmp_path / "out"))
    assert f"not written ({BUG}, it waits for its retry by SMTP" in looked.stderr, looked.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    helped = " ".join(ws.cli("send", "--help").stdout.split())
    assert "or as an error in digest itself stopped it; or its answer lost" in helped, helped
