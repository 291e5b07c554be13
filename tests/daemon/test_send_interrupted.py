"""Ctrl-C (or SIGTERM) in the middle of `digest send` or `digest run --once`, as a real process
against a real SMTP server: the message whose data the server has is waited for and recorded,
nothing more is sent, the command says what happened and how to go on, and the next run sends
the rest. No reader gets a message twice (before, the signal left the server's answer unread:
the message it accepted stayed queued and went out again)."""

from __future__ import annotations

import collections
import datetime as dt
import signal
import subprocess

import pytest
from helpers.held_answers import HeldAnswers
from helpers.send_process import digest, interrupted, workspace_of

from digest.deliver.held_said import ANSWER_LOST
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

pytestmark = pytest.mark.backends


def again(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    """``digest *args`` run again after the stop, to its end: it succeeds."""
    done = subprocess.run(digest(ws, *args), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def received(mailbox: HeldAnswers) -> collections.Counter:
    """How many messages the server took for each address."""
    return collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)


def each_got_one(mailbox: HeldAnswers, readers: list[str]) -> None:
    """Each reader got one message, none twice."""
    got = received(mailbox)
    assert got == {f"{user}@example.org": 1 for user in readers}, got


@pytest.mark.parametrize(
    "signum, code, quits",
    [(signal.SIGINT, 130, "Ctrl-C again"), (signal.SIGTERM, 143, "SIGTERM again (or Ctrl-C)")],
)
def test_ctrl_c_during_a_send_records_the_message_in_flight_and_the_next_send_sends_the_rest(
    database, tmp_path, signum, code, quits
):
    # the exit code a shell gives a command the signal ended (128 + its number): SIGTERM was 130 too
    mailbox = HeldAnswers()  # the first message's data held
    readers = [f"r{i}" for i in range(4)]
    with LocalSmtpServer(mailbox) as server:
        ws = workspace_of(tmp_path, server, database, readers)
        assert ws.cli("ingest").exit_code == 0
        first = interrupted(digest(ws, "send"), mailbox, signum)
        assert "stopping" in first.said and f"{quits} to quit at once" in first.said, first.err
        assert first.code == code, first
        assert len(mailbox.messages) == 1  # nothing more was sent after the stop
        sent_to = mailbox.messages[0].rcpt_tos[0].split("@")[0]
        assert f"{sent_to}" in first.out and "sent" in first.out, first.out  # reported as sent
        assert "interrupted" in first.err and "digest send" in first.err, first.err  # how to go on

        out = again(ws, "send").stdout
        assert f"{sent_to:<16} {sent_to}@example.org" in out
        assert "already sent today" in out.split(f"{sent_to}@example.org")[1].splitlines()[0]

    each_got_one(mailbox, readers)


def test_sigterm_during_a_run_once_records_the_message_in_flight_and_the_next_pass_sends_the_rest(
    database, tmp_path
):
    # systemd stops a `run --once` of a timer with SIGTERM, as it stops the daemon
    mailbox = HeldAnswers()  # the first message's data held
    readers = [f"r{i}" for i in range(4)]
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(mailbox) as server:
        ws = workspace_of(tmp_path, server, database, readers, profile=f'send_at: "{send_at}"\n')
        first = interrupted(digest(ws, "run", "--once"), mailbox, signal.SIGTERM)
        assert "stopping" in first.said, first.err
        assert first.code == 143, first  # as `send`: a script (a timer's ExecStartPost) tells it was stopped
        assert len(mailbox.messages) == 1
        assert "stopped before the end of the pass" in first.out, first.out

        again(ws, "run", "--once")

    each_got_one(mailbox, readers)


def test_a_second_ctrl_c_while_several_connections_finish_quits_cleanly_and_the_next_send_sends_the_rest(
    database, tmp_path
):
    # with several connections the first Ctrl-C has the calling thread wait for theirs. A second
    # in that wait left the database closed under the pass's checkpoint setting ("Exception
    # ignored in: <generator object spaced_checkpoints ...> Traceback ... Cannot operate on a
    # closed database"); one before it had the command wait for the server's answers until they
    # timed out (twice smtp.timeout at most: "deferred ...: the server timed out during DATA")
    mailbox = HeldAnswers()  # the first message's data held
    readers = [f"r{i}" for i in range(6)]
    with LocalSmtpServer(mailbox) as server:
        ws = workspace_of(tmp_path, server, database, readers)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  connections: 3\n")
        assert ws.cli("ingest").exit_code == 0
        first = interrupted(digest(ws, "send"), mailbox, signal.SIGINT, signal.SIGINT)
        assert "stopping" in first.said, first.err
        assert first.code == 130, first
        # and nothing else: no traceback, no wait for a timeout; only the messages whose answers
        # were not waited for, each said (test_send_quit_at_once)
        *maybe, last = first.rest.strip().splitlines()
        assert last == "interrupted", first.err
        assert all(ANSWER_LOST in line for line in maybe), first.err  # "may have" once each
        assert all(line.endswith("during DATA: its answer was not waited for") for line in maybe), first.err

        again(ws, "send")

    got = received(mailbox)
    assert set(got) == {f"{user}@example.org" for user in readers}, got
    assert sum(got.values()) <= len(readers) + 1, got  # at most the message whose answer went unread
