"""A second SIGTERM (or Ctrl-C) quits `digest send` at once while a connection is about to end a
message's data: it had found the send not stopping (its check before the data's end, Line's
``ready``), and its thread was paused there, as a busy machine pauses one, through both signals.
The quitting command took what each connection had (Line.give_up: that message not in flight yet);
the connection's data's end must not go to the server after that: the server would take the
message and nothing record it, and the next send would send it again, with no word of it (the
reader had it twice). It is withdrawn, and stays queued: sent once, by the next send.

A real `digest send` process over two connections, a real SMTP server on loopback, SQLite (a
connection notes what the server accepts in the pass's journal) and PostgreSQL (a connection
stores its message in the commit made while the server takes the data). Its child process pauses
the connection there until the quitting command has taken what the connections have
(line_ends.abandon), then, once the server has answered it, until the process ends (it ends before
the connection records or notes that answer)."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys

import pytest
from helpers.refusing import Refusing
from helpers.send_process import said_until, workspace

from digest.deliver.outbox import SENT, Outbox
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace

pytestmark = pytest.mark.backends

READERS = ["ada", "bob", "cy", "dan"]

# `digest send`, one connection paused in its check before a data's end (the send not stopping
# then) until the command quitting at once has taken what the connections have; once the server
# has answered it (or the message is withdrawn), the connection records nothing before the end
PAUSED_BEFORE_DATA_END = """
import sys, threading
from digest.daemon import sendnow
from digest.deliver import delivery, lines
from digest.cli import run
paused, given, answered = [], threading.Event(), threading.Event()
stopping = lines.Pass.stopping.fget
def stopping_then(self):
    asked = stopping(self)
    if not asked and not paused and sys._getframe(1).f_code.co_name == "ready":
        paused.append(threading.current_thread())
        print("a connection is about to end a message's data", file=sys.stderr, flush=True)
        given.wait(600)  # long: a busy machine may bring the quit late
    return asked
abandon = delivery.abandon
def abandoned(*args):
    try:
        return abandon(*args)
    finally:
        given.set()
hand_over = lines.Line._hand_over
def handed_over(self, *args):
    result = hand_over(self, *args)
    if threading.current_thread() in paused:
        answered.set()
        threading.Event().wait(60)
    return result
deliver = sendnow.deliver_due
def deliver_due(*args, **kwargs):
    try:
        return deliver(*args, **kwargs)
    except KeyboardInterrupt:
        answered.wait(600)
        raise
lines.Pass.stopping = property(stopping_then)
delivery.abandon = abandoned
lines.Line._hand_over = handed_over
sendnow.deliver_due = deliver_due
sys.argv[0] = "digest"
run()
"""


def command(ws: Workspace) -> list[str]:
    return ["--config", str(ws.config_path), "send"]


def test_a_data_end_a_connection_was_about_to_send_when_the_command_quit_at_once_is_withdrawn(
    tmp_path, database
):
    with LocalSmtpServer() as server:
        ws = workspace(tmp_path, server, database, READERS, 'send_at: "00:00"\n', connections=2)
        assert ws.cli("ingest").exit_code == 0
        process = subprocess.Popen(
            [sys.executable, "-c", PAUSED_BEFORE_DATA_END, *command(ws)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            said = said_until(process, "about to end a message's data")
            process.send_signal(signal.SIGTERM)
            said += said_until(process, "stopping")
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=900)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 143, said + err
        again = subprocess.run(
            [sys.executable, "-m", "digest", *command(ws)], capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stdout + again.stderr
        got = collections.Counter(to for m in server.messages for to in m.rcpt_tos)
    assert got == {f"{user}@example.org": 1 for user in READERS}, (got, said + err, again.stderr)
    with Store(ws.config.database) as store:
        assert {m.status for m in Outbox(store).messages()} == {SENT}


# `digest send`, one connection paused as it begins a message sent whole (no word before the data's
# end: Line._send with no ``ready``), the send not stopping when it took it, until the command
# quitting at once has taken what the connections have; then, once the server has answered it (or
# the message is withdrawn), the connection records nothing before the end
PAUSED_BEFORE_WHOLE_MESSAGE = """
import sys, threading
from digest.daemon import sendnow
from digest.deliver import delivery, lines
from digest.deliver.transports import SmtpSender
from digest.cli import run
paused, given, answered = [], threading.Event(), threading.Event()
send_whole = lines.Line._send
def send(self, msg, ready=None):
    if ready is not None or paused or not isinstance(self.sender, SmtpSender):
        return send_whole(self, msg, ready)
    paused.append(msg.user)
    sys.stderr.write(f"a connection is about to send the whole message of {msg.user}\\n")
    sys.stderr.flush()
    given.wait(600)  # long: a busy machine may bring the quit late
    try:
        return send_whole(self, msg, ready)
    finally:
        answered.set()
        threading.Event().wait(60)
abandon = delivery.abandon
def abandoned(*args):
    try:
        return abandon(*args)
    finally:
        given.set()
deliver = sendnow.deliver_due
def deliver_due(*args, **kwargs):
    try:
        return deliver(*args, **kwargs)
    except KeyboardInterrupt:
        answered.wait(600)
        raise
lines.Line._send = send
delivery.abandon = abandoned
sendnow.deliver_due = deliver_due
sys.argv[0] = "digest"
run()
"""


def test_a_whole_message_a_connection_was_about_to_send_when_the_command_quit_at_once_is_withdrawn(
    tmp_path, database
):
    """As above, a message sent whole (not overlapped with its commit: an address bounced earlier in
    the pass, so the commit checks the suppressions before the message goes; on PostgreSQL, where a
    connection stores what it sends; SQLite's connections note what the server accepts, with a word
    before the data's end)."""
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's connections send with a word before the data's end (the journal's)")
    mailbox = Refusing({"ada@example.org"})
    with LocalSmtpServer(mailbox) as server:
        readers = ["ada", "bob", "cy", "dan", "eve", "fay"]
        ws = workspace(tmp_path, server, database, readers, 'send_at: "00:00"\n', connections=2)
        assert ws.cli("ingest").exit_code == 0
        process = subprocess.Popen(
            [sys.executable, "-c", PAUSED_BEFORE_WHOLE_MESSAGE, *command(ws)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            said = said_until(process, "about to send the whole message of")
            process.send_signal(signal.SIGTERM)
            said += said_until(process, "stopping")
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=900)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 143, said + err
        again = subprocess.run(
            [sys.executable, "-m", "digest", *command(ws)], capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stdout + again.stderr
        got = collections.Counter(to for m in mailbox.messages for to in m.rcpt_tos)
    assert got == {f"{user}@example.org": 1 for user in readers[1:]}, (got, said + err, again.stderr)
