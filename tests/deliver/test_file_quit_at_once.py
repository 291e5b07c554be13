"""A second SIGTERM (or Ctrl-C) while `digest send --to-dir` writes a digest, with two connections:
a real process, its first file's write held (a disk that holds it). The command quits at once,
and the digest whose file was being written is not recorded as an SMTP message whose answer was
lost ("the command quit at once during DATA: ... the server may have taken it", deferred until a
retry, so the next send skipped it): there is no server, and a file written again is the same
file. It stays queued, and the next send writes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from digest.deliver.outbox import SENT, Outbox
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

READERS = 6

# `digest`, its first file's write held until the process is ended (the disk holds it)
SLOW_DISK = """
import sys, threading
from digest.deliver import file_transport
from digest.cli import run
write, held = file_transport.FileSender.send, []
def send(self, mail):
    if not held:
        held.append(mail.user)
        print("holding the file of", mail.user, file=sys.stderr, flush=True)
        threading.Event().wait(120)
    return write(self, mail)
file_transport.FileSender.send = send
sys.argv[0] = "digest"
run()
"""


def said_until(process: subprocess.Popen, word: str) -> str:
    said = ""
    deadline = time.monotonic() + 120
    while word not in said:
        line = process.stderr.readline()
        assert line and time.monotonic() < deadline, said + process.communicate()[1]
        said += line
    return said


def test_a_second_sigterm_while_a_file_is_written_leaves_it_queued_without_server_words(tmp_path, database):
    ws = Workspace(tmp_path, database=database)
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(READERS):
        ws.profile(f"r{i}", f'email: r{i}@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  connections: 2\n")
    assert ws.cli("ingest").exit_code == 0
    out = tmp_path / "out"
    send = ["--config", str(ws.config_path), "send", "--to-dir", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_DISK, *send], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        said = said_until(process, "holding the file of")
        held = said.rsplit(" ", 1)[1].strip()
        process.send_signal(signal.SIGTERM)
        said += said_until(process, "stopping")
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, said + err
    with Store(ws.config.database) as store:
        (message,) = [m for m in Outbox(store).messages() if m.user == held]
    assert "server" not in (message.last_error or "") + said + err, message.last_error
    assert message.status != SENT and message.attempts == 0, (message.status, message.last_error)
    again = subprocess.run(
        [sys.executable, "-m", "digest", *send], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert held in again.stdout, again.stdout
    with Store(ws.config.database) as store:
        assert {m.status for m in Outbox(store).messages()} == {SENT}
    assert len(list(out.glob("*.eml"))) == READERS


# `digest`, its first file's write held as above, and another worker's next commit (storing a new
# digest) begun just before the first SIGTERM, as a busy machine may pause a thread: it goes on only
# once the command quitting at once has given its lease back; the command's unwinding then waits for
# that commit (up to 60 s) before the process ends
PAUSED_COMMIT = """
import sys, threading
from digest.daemon import sendnow
from digest.deliver import file_transport, lines
from digest.deliver.claims import OutboxClaims
from digest.deliver.outbox import NewMessage
from digest.cli import run
write, held, holder = file_transport.FileSender.send, [], []
released, committed, paused = threading.Event(), threading.Event(), []
def say(line):  # one write: the two threads' lines are not interleaved (print writes its end apart)
    sys.stderr.write(line + "\\n")
    sys.stderr.flush()
def send(self, mail):
    if not held:
        held.append(mail.user)
        holder.append(threading.current_thread())
        say(f"holding the file of {mail.user}")
        threading.Event().wait(120)
    return write(self, mail)
store_and_record = lines.Line._commit
def commit(self, items):
    if paused or not held or threading.current_thread() in holder + [threading.main_thread()]:
        return store_and_record(self, items)
    if not any(isinstance(item, NewMessage) for item in items):
        return store_and_record(self, items)
    paused.append(items[0].user)
    say(f"a worker pauses before storing the digest of {items[0].user}")
    released.wait(600)
    try:
        return store_and_record(self, items)
    finally:
        committed.set()
give_back = OutboxClaims.release
def release(self, worker):
    give_back(self, worker)
    released.set()
deliver = sendnow.deliver_due
def deliver_due(*args, **kwargs):
    try:
        return deliver(*args, **kwargs)
    except KeyboardInterrupt:
        committed.wait(600)
        raise
file_transport.FileSender.send = send
lines.Line._commit = commit
OutboxClaims.release = release
sendnow.deliver_due = deliver_due
sys.argv[0] = "digest"
run()
"""


def said_all(process: subprocess.Popen, *words: str) -> str:
    said = ""
    deadline = time.monotonic() + 120
    while not all(word in said for word in words):
        line = process.stderr.readline()
        assert line and time.monotonic() < deadline, said + process.communicate()[1]
        said += line
    return said


def test_a_commit_a_worker_began_before_the_quit_stores_nothing_after_the_lease_is_given_back(
    tmp_path, database
):
    """Quitting at once, the command gives back what it holds (the lease on the messages it stored and
    did not send); a worker's commit that was under way then, storing a new digest, comes after it.
    The digest is not stored then (the next send makes it): stored, it would be held by a process that
    is gone, and on PostgreSQL no send would take it until the lease ran out (the next send left it
    queued: "{'queued', 'sent'} == {'sent'}")."""
    ws = Workspace(tmp_path, database=database)
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(READERS):
        ws.profile(f"r{i}", f'email: r{i}@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  connections: 2\n")
    assert ws.cli("ingest").exit_code == 0
    out = tmp_path / "out"
    send = ["--config", str(ws.config_path), "send", "--to-dir", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED_COMMIT, *send],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = said_all(process, "holding the file of", "a worker pauses before storing the digest of")
        paused = said.split("a worker pauses before storing the digest of ", 1)[1].split()[0]
        process.send_signal(signal.SIGTERM)
        said += said_until(process, "stopping")
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=900)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, said + err
    with Store(ws.config.database) as store:
        outbox = Outbox(store)
        assert outbox.claimed() == {}, [(m.user, m.status) for m in outbox.entries(user=paused)]
    again = subprocess.run(
        [sys.executable, "-m", "digest", *send], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert paused in again.stdout, again.stdout
    with Store(ws.config.database) as store:
        assert {m.status for m in Outbox(store).messages()} == {SENT}
    assert len(list(out.glob("*.eml"))) == READERS
