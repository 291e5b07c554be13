"""A pass stops offering digests once the server timed out so many times in a row (two, with one
connection): the digests it then did not offer were never sent, and no server deferred them: the
server stopped answering. They are said so: "not sent: the mail server stopped answering; waits
until ...: the server timed out twice in a row during RCPT; stopped for this pass" by `digest
send` (and the daemon's log), "not sent to cy (the mail server stopped answering): ..." by `run
--once`, as the digests the server timed out on. Before, "deferred until ...: not tried: the server
timed out during RCPT 2 times in a row; ...", "deferred cy: not tried: ...". (Then the count came
after where it was, and was said "2 times", where README's "A server that hangs" says "twice": rows
stored so are read alike.) Real aiosmtpd whose
RCPT never answers in smtp.timeout, three readers, real `digest send` and `run --once`, real SQLite."""

from __future__ import annotations

from helpers.not_sent import SilentAtRcpt, due_now, ready

from digest.deliver.held_said import STOPPED, held_by
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

STREAK = "the server timed out twice in a row during RCPT; stopped for this pass"
BEFORE = (  # rows stored before
    "the server timed out 2 times in a row during RCPT; stopped for this pass",
    "the server timed out during RCPT 2 times in a row; stopped for this pass",
)


def test_digests_not_offered_after_timeouts_in_a_row_are_said_stopped_answering(tmp_path):
    with LocalSmtpServer(SilentAtRcpt()) as server:
        ws = ready(Workspace(tmp_path, server.port))
        ws.config_path.write_text(ws.config_path.read_text().replace("timeout: 5", "timeout: 1"))
        for user in ("bob", "cy"):
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
        sent = ws.cli("send")
        (row,) = [line for line in sent.stdout.splitlines() if line.endswith(STREAK)]
        assert f"not sent: {STOPPED}; waits until 20" in row, row
        assert "deferred" not in sent.stdout and "not tried" not in row, sent.stdout
        due_now(ws)
        ran = ws.cli("run", "--once")
    (line,) = [line for line in ran.stdout.splitlines() if STREAK in line]
    assert f"({STOPPED}): {STREAK} (retry at " in line and line.startswith("not sent to "), line
    assert "deferred" not in ran.output, ran.output


def test_rows_stored_before_read_alike():
    """The outbox's rows stored by earlier releases have these words too."""
    for streak in (STREAK, *BEFORE):
        assert held_by(f"not tried: {streak}") == STOPPED
        assert held_by(f"not tried: {streak.replace('RCPT', 'DATA')}") == STOPPED
