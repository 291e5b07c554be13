"""A first SIGTERM while the server holds a message's RCPT (its data not sent yet): a real
`digest send` and `digest run --once`, aiosmtpd on loopback holding its answer. The message is
withdrawn before its data, and stays queued; the stop's words must not say the server has it
(before: "stopping: finishing the message the server has", with nothing finished)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess

import pytest
from helpers.held_answers import HeldAnswers
from helpers.send_process import digest, said_until, workspace_of

from digest.demo.smtp_server import LocalSmtpServer

pytestmark = pytest.mark.backends


@pytest.mark.parametrize("command", [["send"], ["run", "--once"]])
def test_a_stop_before_the_data_says_no_more_is_sent_and_the_message_stays_queued(
    database, tmp_path, command
):
    mailbox = HeldAnswers(stage="RCPT")  # the first RCPT held
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(mailbox) as server:
        ws = workspace_of(tmp_path, server, database, ["ada", "bob"], f'send_at: "{send_at}"\n')
        assert ws.cli("ingest").exit_code == 0
        process = subprocess.Popen(
            digest(ws, *command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            assert mailbox.holding.wait(60), "the first RCPT never reached the server"
            process.send_signal(signal.SIGTERM)
            said = said_until(process, "stopping")
            mailbox.release.set()
            process.communicate(timeout=60)
        finally:
            mailbox.release.set()
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 143
        assert mailbox.messages == []  # withdrawn before its data: the server never had it
        assert "the server has;" not in said, said
        assert "stopping: no more digests are sent: " in said, said
        assert "one still on its way is withdrawn and stays queued" in said, said
        again = subprocess.run(digest(ws, "send"), capture_output=True, text=True, timeout=120)
    got = sorted(m.rcpt_tos[0] for m in mailbox.messages)
    assert got == ["ada@example.org", "bob@example.org"], again.stderr
