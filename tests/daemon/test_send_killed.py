"""`digest send` as a real process against a real SMTP server, killed with SIGKILL in the middle
of its readers, then run again: every reader gets their digest, at most one per connection twice
(the message the server had accepted but the pass had not recorded, sent again under its own
Message-ID). The messages made ahead of the sending (the maker's, the read-ahead's, the ones
handed out to the connections) die with the process: unstored, they are made again; stored,
they are sent by the second run."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time

import pytest
from daemon_processes import SlowMailbox, wait_until

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

READERS = 300
LEASE = 2  # s: a killed pass's claim on its stored messages lasts this long


@pytest.mark.parametrize("connections", [1, 3])
def test_a_send_killed_mid_way_and_run_again_repeats_at_most_one_message_per_connection(
    database, tmp_path, connections
):
    mailbox = SlowMailbox()
    with LocalSmtpServer(mailbox) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        with ws.config_path.open("a") as f:
            f.write(f"delivery:\n  connections: {connections}\n  lease_seconds: {LEASE}\n")
        for i in range(READERS):
            ws.profile(f"r{i:03d}", f"email: r{i:03d}@example.org\ninterests: [neuromorphic]\n")
        papers = [(f"Neuromorphic Paper {i}", f"About neuromorphic chips, number {i}.") for i in range(12)]
        ws.dump("day.txt", make_dump("Mar 14", papers))
        assert ws.cli("ingest").exit_code == 0
        send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]

        first = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: len(mailbox.messages) >= READERS // 3, 120, f"{READERS // 3} sent", ws)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        at_kill = len(mailbox.messages)
        assert first.returncode == -signal.SIGKILL and at_kill < READERS, (first.returncode, at_kill)

        time.sleep(LEASE + 1.5)  # the killed pass's claims run out (stored to the second)
        again = subprocess.run(send, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        # what the killed pass had handed over is recorded before the readers are planned: each
        # line says sent (now or before), none "waiting" for a message the server already has
        assert "waiting" not in again.stdout, again.stdout[-3000:]

    by = collections.defaultdict(list)
    for m in mailbox.messages:
        by[m.rcpt_tos[0]].append(m.message["Message-ID"])
    missing = sorted({f"r{i:03d}@example.org" for i in range(READERS)} - set(by))
    assert not missing, (missing, again.stdout[-3000:])
    twice = {who: ids for who, ids in by.items() if len(ids) > 1}
    assert len(twice) <= connections, twice
    assert all(len(ids) == 2 and ids[0] == ids[1] for ids in twice.values())  # the same message again
    print(f"killed after {at_kill} of {READERS}; readers with two copies: {len(twice)}")
