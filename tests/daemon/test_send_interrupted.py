"""Ctrl-C (or SIGTERM) in the middle of `digest send` or `digest run --once`, as a real process
against a real SMTP server: the message whose data the server has is waited for and recorded,
nothing more is sent, the command says what happened and how to go on, and the next run sends
the rest. No reader gets a message twice (before, the signal left the server's answer unread:
the message it accepted stayed queued and went out again)."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import signal
import subprocess
import sys
import threading

import pytest

from digest.demo.smtp_server import LocalSmtpServer, Received

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


class HeldMailbox:
    """Accepts every message, but answers the first one's data only once ``release`` is set."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.holding = threading.Event()  # the first message's data is here, its answer held
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.messages and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_during_a_send_records_the_message_in_flight_and_the_next_send_sends_the_rest(
    database, tmp_path, signum, code
):
    # the exit code a shell gives a command the signal ended (128 + its number): SIGTERM was 130 too
    mailbox = HeldMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        readers = [f"r{i}" for i in range(4)]
        for user in readers:
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        assert ws.cli("ingest").exit_code == 0
        send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]

        first = subprocess.Popen(send, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert mailbox.holding.wait(60), "the first message never reached the server"
            first.send_signal(signum)  # Ctrl-C while the server has the data, not yet answered
            said = first.stderr.readline()  # the process has taken the signal (or died of it)
            mailbox.release.set()
            out, err = first.communicate(timeout=60)
        finally:
            mailbox.release.set()
            if first.poll() is None:
                first.kill()
                first.wait()
        err = said + err
        quits = "Ctrl-C again" if signum == signal.SIGINT else "SIGTERM again (or Ctrl-C)"
        assert "stopping" in said and f"{quits} to quit at once" in said, err
        assert first.returncode == code, (first.returncode, out, err)
        assert len(mailbox.messages) == 1  # nothing more was sent after the stop
        sent_to = mailbox.messages[0].rcpt_tos[0].split("@")[0]
        assert f"{sent_to}" in out and "sent" in out, out  # the accepted message is reported as sent
        assert "interrupted" in err and "digest send" in err, err  # how to go on

        again = subprocess.run(send, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert f"{sent_to:<16} {sent_to}@example.org" in again.stdout
        assert "already sent today" in again.stdout.split(f"{sent_to}@example.org")[1].splitlines()[0]

    got = collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)
    assert got == {f"{user}@example.org": 1 for user in readers}, got


def test_sigterm_during_a_run_once_records_the_message_in_flight_and_the_next_pass_sends_the_rest(
    database, tmp_path
):
    # systemd stops a `run --once` of a timer with SIGTERM, as it stops the daemon
    mailbox = HeldMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
        readers = [f"r{i}" for i in range(4)]
        for user in readers:
            ws.profile(user, f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n')
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        run = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run", "--once"]

        first = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert mailbox.holding.wait(60), "the first message never reached the server"
            first.send_signal(signal.SIGTERM)
            said = ""  # the log, up to the line that says the signal was taken (or the end)
            while "stopping" not in said and (line := first.stderr.readline()):
                said += line
            mailbox.release.set()
            out, err = first.communicate(timeout=60)
        finally:
            mailbox.release.set()
            if first.poll() is None:
                first.kill()
                first.wait()
        err = said + err
        assert "stopping" in said, err
        assert first.returncode == 0, (first.returncode, out, err)
        assert len(mailbox.messages) == 1
        assert "stopped before the end of the pass" in out, out

        again = subprocess.run(run, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr

    got = collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)
    assert got == {f"{user}@example.org": 1 for user in readers}, got


def test_a_second_ctrl_c_while_several_connections_finish_quits_cleanly_and_the_next_send_sends_the_rest(
    database, tmp_path
):
    # with several connections the first Ctrl-C has the calling thread wait for theirs. A second
    # in that wait left the database closed under the pass's checkpoint setting ("Exception
    # ignored in: <generator object spaced_checkpoints ...> Traceback ... Cannot operate on a
    # closed database"); one before it had the command wait for the server's answers until they
    # timed out (twice smtp.timeout at most: "deferred ...: the server timed out during DATA")
    mailbox = HeldMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  connections: 3\n")
        readers = [f"r{i}" for i in range(6)]
        for user in readers:
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        assert ws.cli("ingest").exit_code == 0
        send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]

        first = subprocess.Popen(send, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert mailbox.holding.wait(60), "the first message never reached the server"
            first.send_signal(signal.SIGINT)
            said = first.stderr.readline()
            first.send_signal(signal.SIGINT)  # again: quit without the held answer
            out, err = first.communicate(timeout=60)
        finally:
            mailbox.release.set()
            if first.poll() is None:
                first.kill()
                first.wait()
        assert "stopping" in said, said + err
        assert first.returncode == 130, (first.returncode, out, err)
        assert err.strip() == "interrupted", err  # and nothing else: no traceback, no wait for a timeout

        again = subprocess.run(send, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr

    got = collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)
    assert set(got) == {f"{user}@example.org" for user in readers}, got
    assert sum(got.values()) <= len(readers) + 1, got  # at most the message whose answer went unread
