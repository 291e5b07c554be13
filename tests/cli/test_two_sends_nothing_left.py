"""Two `digest send` at once on PostgreSQL (two terminals): the second planned its readers while the
first had not stored their digests, and found their papers only once the first had sent them. Its
table said each such reader "0 papers  nothing new", though they had their digest of the day from
the other send moments before; now, as for a digest the other stored first (daemon.meanwhile):
"already sent today at 12:01".

Real parts: two real `digest send` processes, aiosmtpd on loopback, PostgreSQL; the second's child
process waits, as a busy machine makes it wait, between its look at the readers' periods and its
choice of their papers, until the first has sent and ended."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from helpers.faked import clock_at, needs_faketime
from helpers.send_process import readers_to_send, said_until

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

pytestmark = pytest.mark.backends

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # the listing taken in; the sends a minute after

# `digest send`, waiting before it chooses its readers' papers until the file $GO names is there
WAITS_BEFORE_CHOOSING = """
import os, sys, time
from digest.daemon import sendnow
from digest.cli import run
choose = sendnow.next_digests
def next_digests(*args, **kwargs):
    print("choosing the readers' papers", file=sys.stderr, flush=True)
    for _ in range(6000):  # 300 s at most
        if os.path.exists(os.environ["GO"]):
            break
        time.sleep(0.05)
    return choose(*args, **kwargs)
sendnow.next_digests = next_digests
sys.argv[0] = "digest"
run()
"""


@needs_faketime
def test_a_reader_the_other_send_served_while_this_one_chose_is_said_already_sent(tmp_path, database):
    if "postgresql" not in database:
        pytest.skip("on SQLite the run lock lets one send in at a time")
    go = tmp_path / "go"
    with LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port, database=database)
        command = readers_to_send(ws, 2, at=SENT)
        env = clock_at(SENT + dt.timedelta(minutes=1), {**os.environ, "TZ": "UTC", "GO": str(go)})
        second = subprocess.Popen(
            [sys.executable, "-c", WAITS_BEFORE_CHOOSING, *command[3:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            said = said_until(second, "choosing the readers' papers", 300)
            assert "choosing" in said, said
            first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
            go.touch()
            out, err = second.communicate(timeout=300)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        received = sorted(m.rcpt_tos[0] for m in server.messages)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + err
    assert received == ["r0@example.org", "r1@example.org"], (first.stdout, out)  # each once
    assert [line.endswith("1 paper  sent") for line in first.stdout.splitlines() if line.startswith("r")] == [
        True,
        True,
    ], first.stdout
    rows = [line for line in out.splitlines() if line.startswith("r")]
    # before: "r0               r0@example.org                     0 papers  nothing new"
    assert len(rows) == 2 and all(" already sent today at 12:01" in row for row in rows), out
