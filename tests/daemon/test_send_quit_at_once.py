"""A second SIGTERM (or Ctrl-C) quits `digest send` and `digest run --once` at once, as the first
one's words promise, even while the server holds the answer to a message's data: a real process,
a real SMTP server on loopback that does not answer. The message whose data the server has, and
whose answer nobody waits for any more, is recorded as such: sent again at its retry, its reply
saying the answer was lost during DATA (the server may have taken it), and said ("the mail
server's answer to its data was lost: it may have it; sent again at ..."), with one connection
or several;
the next send sends it again, with the same Message-ID. Nothing is lost, and nothing goes twice
without being said."""

from __future__ import annotations

import collections
import datetime as dt
import signal
import subprocess
import time

import pytest
from helpers.held_answers import HeldAnswers
from helpers.send_process import SMTP_TIMEOUT, digest, said_until, workspace

from digest.deliver.data_lost import answer_lost
from digest.deliver.held_said import ANSWER_LOST
from digest.deliver.outbox import Outbox
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

pytestmark = pytest.mark.backends


def quit_twice(command: list[str], mailbox: HeldAnswers) -> tuple[subprocess.CompletedProcess, float]:
    """``command`` run until the server holds the first message's answer; SIGTERM, and once the
    command says it stops, SIGTERM again. The server answers only after the command has ended.
    Returns the ended command and the seconds from the second signal to its end."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert mailbox.holding.wait(60), "the first message never reached the server"
        process.send_signal(signal.SIGTERM)
        said = said_until(process, "stopping")
        time.sleep(0.3)  # the first signal taken, the answer still held
        process.send_signal(signal.SIGTERM)
        second = time.monotonic()
        try:
            out, err = process.communicate(timeout=SMTP_TIMEOUT + 30)
        except subprocess.TimeoutExpired:
            out, err = "", ""
        took = time.monotonic() - second
    finally:
        mailbox.release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    return subprocess.CompletedProcess(command, process.returncode, out, said + err), took


def unanswered(ws) -> list[tuple[str, str, int]]:
    """(user, last reply, attempts) of the messages still queued."""
    with Store(ws.config.database) as store:
        outbox = Outbox(store)
        rows = store.db.execute("SELECT id FROM outbox WHERE status != 'sent' ORDER BY id").fetchall()
        messages = [outbox.get(i) for (i,) in rows]
    return [(m.user, m.last_error or "", m.attempts) for m in messages]


@pytest.mark.parametrize(
    "command, connections",
    [(["send"], 1), (["run", "--once"], 1), (["send"], 3)],  # 3: the held one's in a worker thread
)
def test_a_second_sigterm_quits_at_once_and_the_message_without_its_answer_is_recorded_as_maybe_taken(
    database, tmp_path, command, connections
):
    mailbox = HeldAnswers()
    readers = ["ada", "bob", "cy", "dan", "eve", "fay"][: 3 * connections]
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(mailbox) as server:
        ws = workspace(tmp_path, server, database, readers, f'send_at: "{send_at}"\n', connections)
        assert ws.cli("ingest").exit_code == 0
        first, took = quit_twice(digest(ws, *command), mailbox)
        assert took < 3, f"quit {took:.1f} s after the second SIGTERM; stderr: {first.stderr!r}"
        assert "stopping: no more digests are sent: " in first.stderr, first.stderr
        assert "; SIGTERM again (or Ctrl-C) to quit at once" in first.stderr, first.stderr
        assert first.returncode == 143, first  # the second SIGTERM ended it, as a shell says it
        # the messages whose answers were not waited for (the server holds each one's, one per
        # connection at most): recorded, and said on stderr
        left = {user: (reply, tries) for user, reply, tries in unanswered(ws)}
        assert set(left) <= set(readers), left  # the others stored (SQLite) or not made yet
        maybe = [u for u, (reply, tries) in left.items() if tries]
        assert 1 <= len(maybe) <= connections, left
        for user in maybe:
            reply, _ = left[user]
            assert answer_lost(reply), reply  # as a timeout's: the day's digest is not made again
            said = f"{user} <{user}@example.org> {ANSWER_LOST}; sent again at "
            (line,) = [line for line in first.stderr.splitlines() if said in line]
            assert line.endswith("during DATA: its answer was not waited for"), line  # "may have" once

        mailbox.release.set()
        for _ in range(2):  # its retry a minute away: the next send (or pass) sends the rest at once
            again = subprocess.run(digest(ws, "send"), capture_output=True, text=True, timeout=120)
            if not unanswered(ws):
                break
            time.sleep(1)
        assert not unanswered(ws), again.stdout + again.stderr

    got = collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)
    assert set(got) == {f"{user}@example.org" for user in readers}, got
    twice = {rcpt.split("@")[0] for rcpt, n in got.items() if n > 1}
    assert twice <= set(maybe), (got, maybe)  # only those said to be maybe taken went twice
    ids = {(m.rcpt_tos[0], m.message["Message-ID"]) for m in mailbox.messages}
    assert len(ids) == len(readers), ids  # the one sent again: the same message, the same Message-ID


def test_a_second_sigterm_before_the_next_data_records_what_the_workers_were_answered(database, tmp_path):
    # each message's data answered at once; RCPT held once two messages are taken (each of two
    # connections then waits for its second message's RCPT, its first one's result not recorded
    # yet: the commit that records it is made with the second's data)
    mailbox = HeldAnswers(stage="RCPT", after=2)
    readers = [f"r{i}" for i in range(6)]
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    with LocalSmtpServer(mailbox) as server:
        ws = workspace(tmp_path, server, database, readers, f'send_at: "{send_at}"\n', connections=2)
        assert ws.cli("ingest").exit_code == 0
        first, took = quit_twice(digest(ws, "send"), mailbox)
        assert took < 3 and first.returncode == 143, first
        again = subprocess.run(digest(ws, "send"), capture_output=True, text=True, timeout=120)
        assert not unanswered(ws), again.stdout + again.stderr
    # the two the server took before the stop: recorded then (sent), not sent again by the next send
    got = collections.Counter(m.rcpt_tos[0] for m in mailbox.messages)
    assert got == collections.Counter(f"{user}@example.org" for user in readers), (got, again.stdout)
