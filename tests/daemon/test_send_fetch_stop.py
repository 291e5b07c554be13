"""Ctrl-C while `digest send` waits on a source that does not answer (its fetch given up, not
recorded): nothing is made, and what is said of the source is what happens: it is fetched at
the next send or pass, not "in 15 minutes", and no digest "goes without it". Real parts: a
loopback server that accepts and never answers, a real `digest send`, aiosmtpd on loopback."""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from helpers.sends_that_fetch import CY, FROM_HF, digest, fetch_the_sources, text_of

from digest.demo.http_server import LocalHttpServer


class Stalled:
    """A server that takes connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.taken: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                self.taken.append(self.sock.accept()[0])
            except OSError:
                return

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def close(self) -> None:
        for c in self.taken:
            c.close()
        self.sock.close()


def test_ctrl_c_in_a_fetch_that_hangs_makes_nothing_and_says_the_source_is_fetched_next_time(
    mail_workspace, smtp_server
):
    HF, RSS, configure, hf_and_feed = fetch_the_sources()
    ws, stalled = mail_workspace, Stalled()
    base = ws.config_path.read_text()
    configure(ws, stalled, HF)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    ws.profile("cy", CY + f'send_at: "{soon:%H:%M}"\n')
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
    sending = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not stalled.taken and time.monotonic() < deadline:  # the fetch under way
            time.sleep(0.1)
        assert stalled.taken, "the send never asked the source"
        time.sleep(0.5)
        sending.send_signal(signal.SIGINT)
        out, err = sending.communicate(timeout=60)
    finally:
        stalled.close()
        if sending.poll() is None:
            sending.kill()
    assert sending.returncode == 130, out + err
    said = [line for line in err.splitlines() if line.startswith("hf_daily: ")]
    assert said == [
        "hf_daily: not fetched: stopped before its answer; the next `digest send` or daemon's pass "
        "fetches it first"
    ], err  # was: "...; these digests go without it: the daemon's pass tries it again in 15 minutes, ..."
    assert smtp_server.messages == []
    ws.config_path.write_text(base)
    with LocalHttpServer(hf_and_feed()) as server:
        configure(ws, server, HF)
        again = digest(ws, "send")  # fetched at once, as said
    assert "hf_daily: fetched first: " in again.stdout and again.returncode == 0, again.stdout + again.stderr
    (received,) = smtp_server.messages
    assert FROM_HF in text_of(received)


pytestmark = pytest.mark.backends


def test_a_send_waiting_on_a_source_that_does_not_answer_says_each_try_as_digest_fetch_does(
    mail_workspace, smtp_server
):
    """A source that takes the connection and never answers: each try waits its `timeout` and is
    tried again (`retries`), minutes at the defaults, and `digest send` said nothing until then,
    where `digest fetch` says each try that failed and the wait before the next on stderr."""
    HF, _, configure, _ = fetch_the_sources()
    ws, stalled = mail_workspace, Stalled()
    try:
        configure(ws, stalled, HF.rstrip("\n") + "\n    timeout: 1\n    retries: 1\n")
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
        ws.profile("cy", CY + f'send_at: "{soon:%H:%M}"\n')
        sent = digest(ws, "send")
    finally:
        stalled.close()
    tries = [line for line in sent.stderr.splitlines() if line.startswith("hf_daily: no answer within 1 s")]
    assert len(tries) == 1, sent.stderr  # the first try's, said as it happens; was: none
    assert (
        "hf_daily: not fetched, so these digests go without it (" in sent.stderr
        and "\n  failed: " in sent.stderr
        and sent.returncode == 3
    ), sent.stdout + sent.stderr
