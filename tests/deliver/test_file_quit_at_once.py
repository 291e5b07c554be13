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
