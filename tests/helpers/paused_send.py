"""A `digest send --user ada` paused after its look for the due messages, before its claim, while
another worker's pass runs: for the tests of a message another worker deferred meanwhile."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from digest.db import wall_clock
from digest.demo.smtp_server import Mailbox

# `digest send ARGS...` that pauses after its look for the due messages, before it claims them:
# it writes "paused" in the file argv[2] and goes on once the file says "go"
PAUSED_SEND = """
import pathlib, sys, time
import digest.cli
from digest.deliver.claims import OutboxClaims
claiming, flag = OutboxClaims.claiming, pathlib.Path(sys.argv[2])
def paused(self, *args, **kwargs):
    flag.write_text("paused")
    while flag.read_text() != "go":
        time.sleep(0.05)
    yield from claiming(self, *args, **kwargs)
OutboxClaims.claiming = paused
digest.cli.main(["--config", sys.argv[1], "send", *sys.argv[3:]])
"""


def until(condition, within: float, what: str) -> None:
    end = time.monotonic() + within
    while not condition():
        assert time.monotonic() < end, f"no {what} within {within} s"
        time.sleep(0.05)


def send_paused_while(ws, flag: Path, meanwhile: Callable[[], None]) -> str:
    """`digest send --user ada` on ``ws`` (PAUSED_SEND, its ``flag`` file) paused after its look for
    the due messages; ``meanwhile`` runs then (another worker's pass), and the send goes on: its
    output (stdout and stderr)."""
    flag.write_text("")
    command = [sys.executable, "-c", PAUSED_SEND, str(ws.config_path), str(flag), "--user", "ada"]
    sending = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until(lambda: flag.read_text() == "paused" or sending.poll() is not None, 60, "pause")
        assert sending.poll() is None, sending.communicate()[0]
        meanwhile()
        flag.write_text("go")
        return sending.communicate(timeout=60)[0]
    finally:
        if sending.poll() is None:
            sending.kill()
            sending.wait()


def one_day_ahead(within: dt.timedelta) -> None:
    """Waits, if UTC midnight (ada's: her profile names no zone) comes ``within`` from now, until
    it is past: the passes and the send below are of one day of hers, as the test means them. A run
    that crossed it (the pass at 23:59:55, the send at 00:00:02) had the send speak of the new day:
    "ada  ada@example.org  0 papers  nothing new", not of the digest waiting."""
    now = wall_clock()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    if midnight - now < within:
        time.sleep((midnight - now).total_seconds() + 1)


class DefersTwice(Mailbox):
    """A real SMTP server that defers the first two messages (451) and takes the later ones;
    ``tries``: when each came."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: list[dt.datetime] = []

    async def handle_DATA(self, server, session, envelope):
        self.tries.append(wall_clock())
        if len(self.tries) <= 2:
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)
