"""A missed send time is noted as said (digest.store_missed) once it is said, not as the pass finds
it: a `digest run --once` killed after it found one and before it printed it (kill -9 as it
delivers another reader's digest to a mail server that does not answer) left it noted and never
said, and the next pass, finding it said, said nothing: cron's mail never told of it. Now the next
pass says it (said at least once, rather than at most once), and the one after does not. Real
`digest run --once` processes under libfaketime, a real store (SQLite and PostgreSQL), aiosmtpd,
and a loopback server that takes the connection and never answers."""

from __future__ import annotations

import os
import signal
import time

import pytest
from helpers.faked import digest_at, digest_started_at, needs_faketime
from helpers.missed_history import MISSED, at, reader, sunday_served_monday_waiting
from helpers.silent_server import Silent

pytestmark = [pytest.mark.backends, needs_faketime]


def test_a_pass_killed_before_it_said_a_missed_send_time_leaves_it_to_the_next(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", reader("ada"))
    ws.profile("bob", reader("bob").replace('"00:00"', '"04:55"'))  # his digest goes as ada's is missed
    sunday_served_monday_waiting(ws)
    config = ws.config_path.read_text()
    silent = Silent()
    try:  # nothing ran over Monday's midnight; the mail server stops answering
        silenced = config.replace(f"port: {smtp_server.port}", f"port: {silent.port}")
        ws.config_path.write_text(silenced.replace("timeout: 5", "timeout: 120"))
        killed = digest_started_at(ws, "run", "--once", at=at(7, 4, 56))
        try:
            assert silent.connected.wait(120), "the pass never came to deliver bob's digest"
            time.sleep(0.2)
        finally:
            os.killpg(killed.pid, signal.SIGKILL)  # `digest`, in a process group of its own
        out, _ = killed.communicate(timeout=30)
    finally:
        silent.close()
    assert "not sent within" not in out, out
    ws.config_path.write_text(config)
    assert MISSED in digest_at(ws, "run", "--once", at=at(7, 5, 1)).stdout
    after = digest_at(ws, "run", "--once", at=at(7, 5, 6)).stdout
    assert "not sent within" not in after, after


def test_a_send_time_another_workers_pass_said_meanwhile_is_not_said_again(mail_workspace, smtp_server):
    """A pass says the missed send times it found at its end, minutes after it found them (as it
    delivers); another worker's pass in between finds them not yet noted and says them. The pass
    ending then says them only if no pass noted them since: said once, by the first to end. Before,
    both said "ada's digest of ... not sent within the 240-minute grace" (PostgreSQL's workers; on
    SQLite one writing command runs at a time)."""
    ws = mail_workspace
    if not str(ws.config.database).startswith("postgresql"):
        pytest.skip("on SQLite one pass runs at a time")
    ws.profile("ada", reader("ada"))
    ws.profile("bob", reader("bob").replace('"00:00"', '"04:55"'))
    sunday_served_monday_waiting(ws)
    silent = Silent()
    try:  # worker a's pass delivers bob's digest to a mail server that does not answer
        silenced = ws.config_path.read_text().replace(f"port: {smtp_server.port}", f"port: {silent.port}")
        ws.config_path.write_text(silenced.replace("timeout: 5", "timeout: 120"))
        first = digest_started_at(ws, "run", "--once", at=at(7, 4, 56))
        try:
            assert silent.connected.wait(120), "the pass never came to deliver bob's digest"
            time.sleep(0.2)
            assert MISSED in digest_at(ws, "run", "--once", at=at(7, 4, 57)).stdout  # worker b's pass
        except BaseException:
            os.killpg(first.pid, signal.SIGKILL)
            raise
    finally:
        silent.close()  # bob's delivery fails: worker a's pass ends
    out, _ = first.communicate(timeout=60)
    assert "not sent to bob" in out and "not sent within" not in out, out
