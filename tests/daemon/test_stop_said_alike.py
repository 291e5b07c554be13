"""A SIGTERM while the server has a message's data (its answer not given yet) is the same stop
for `digest send` and for the daemon (`digest run`): the first signal's words say it alike, as
README's "Stopping" does. Before, the daemon logged "stopping: finishing the message the server
has (a message still on its way is withdrawn: it stays queued for the next pass)" where `digest
send` said "stopping: no more digests are sent: the server's answer to a message it has is
waited for; one still on its way is withdrawn and stays queued". Between passes, with no message
on its way, the daemon says what `digest send` says before it sends. Real processes, aiosmtpd on
loopback holding the first message's answer."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess

import pytest
from daemon_processes import stop_all, wait_until, worker_rows
from helpers.held_answers import HeldAnswers
from helpers.send_process import digest, interrupted, said_until, workspace_of

from digest.demo.smtp_server import LocalSmtpServer

SAID = (
    "stopping: no more digests are sent: the server's answer to a message it has is waited for; "
    "one still on its way is withdrawn and stays queued"
)


@pytest.mark.parametrize("command", [["send"], ["run"]])
def test_a_stop_while_the_server_has_the_data_is_said_alike_by_send_and_the_daemon(
    database, tmp_path, command
):
    mailbox = HeldAnswers()  # the first message's data held
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(mailbox) as server:
        ws = workspace_of(tmp_path, server, database, ["ada", "bob"], f'send_at: "{send_at}"\n')
        assert ws.cli("ingest").exit_code == 0
        stopped = interrupted(digest(ws, *command), mailbox, signal.SIGTERM)
    assert SAID in stopped.said, stopped.err
    assert "finishing the message the server has" not in stopped.err, stopped.err
    assert len(mailbox.messages) == 1  # the one the server had, answered and recorded; no more


def test_a_daemon_stopped_between_passes_says_nothing_is_waited_for_as_send_does_before_it_sends(
    database, tmp_path
):
    """No message on its way: not a word of one (before: "stopping: finishing the message the
    server has (a message still on its way is withdrawn: ...)" from an idle daemon), but `digest
    send`'s words before it sends."""
    with LocalSmtpServer(HeldAnswers()) as server:
        ws = workspace_of(tmp_path, server, database, [])
        daemon = subprocess.Popen(digest(ws, "run"), stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: any(r[2] for r in worker_rows(ws)), 60, "the daemon's first pass", ws)
            daemon.send_signal(signal.SIGTERM)
            said = said_until(daemon, "stopping: ")
            assert daemon.wait(timeout=60) == 0
        finally:
            stop_all([daemon])
    assert said.endswith("stopping: no more digests are made or sent\n"), said
