"""Two `digest send` started at once (two terminals): each reader gets one digest. On SQLite the run
lock lets one in and the other says so; on PostgreSQL both run, each reader's period taken by the
first to store its digest, and each command's table has a row for every reader: the ones it sent
("sent"), and the ones the other took meanwhile said as a digest done before ("already sent today
at 07:02", "already queued ...; held by `digest send` ..., which sends it"). Before, the send that
lost a reader had no row for them, only a log line on stderr ("WARNING digest.deliver.outbox:
digest for r13 (2026-12-06) not queued: the period has one already").

Real parts: two real `digest send` processes, aiosmtpd on loopback counting what it receives
(slowly, so that the two sends overlap), SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import subprocess
import threading
from subprocess import PIPE
from typing import Any

import pytest
from helpers.faked import clock_at, needs_faketime
from helpers.send_process import readers_to_send

from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace

pytestmark = pytest.mark.backends

READERS = 24
SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs


class Slow(Mailbox):
    """Answers each message's data after 0.1 s, and the first's not before ``go`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.offered, self.go = threading.Event(), threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.offered.set()
        await asyncio.sleep(0.1)
        while not self.go.is_set():
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


@needs_faketime
def test_two_sends_at_once_send_each_reader_one_digest_and_each_says_every_reader(tmp_path, database):
    """Each command on a clock of the test's (libfaketime): at the real time, two sends on either side
    of UTC midnight were of two days, each making its day's digests."""
    handler = Slow()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        command = readers_to_send(ws, READERS, at=SENT)
        env = clock_at(SENT, {**os.environ, "TZ": "UTC"})
        start = functools.partial(subprocess.Popen, command, stdout=PIPE, stderr=PIPE, text=True, env=env)
        if "postgresql" in database:  # both planning at once: the race the table must survive
            handler.go.set()
        sends = [start()]
        if not handler.go.is_set():
            # SQLite: the second started while the first holds the run lock, however slow the machine
            # (both started at once, the first could be done before the second began)
            assert handler.offered.wait(120), "the first send never offered a message"
            sends.append(start())
            sends[1].wait(120)
            handler.go.set()
        else:
            sends.append(start())
        done = [(s.communicate(timeout=300), s.returncode) for s in sends]
        received = sorted(m.rcpt_tos[0] for m in handler.messages)
    assert received == sorted(f"r{i}@example.org" for i in range(READERS)), done  # each once

    if "postgresql" not in database:  # the run lock: one runs, the other says so and starts nothing
        refused = [err for (_, err), code in done if code == 1]
        assert len(refused) == 1 and "the database is in use by digest send" in refused[0], done
        return
    for (out, err), code in done:
        assert code == 0, err
        assert "not queued: the period has one already" not in err, err
        rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("r")}
        assert sorted(rows) == sorted(f"r{i}" for i in range(READERS)), out  # every reader, once
        for line in rows.values():
            assert (
                line.endswith("1 paper  sent")
                or " already sent today at 12:" in line
                or (" already queued today at 12:" in line and "held by `digest send`" in line)
            ), line
    sent_here = [sum(line.endswith("  sent") for line in out.splitlines()) for (out, _), _ in done]
    assert sum(sent_here) == READERS, done  # said sent by exactly one of the two
