"""Workers and sends on a machine whose clock runs ahead of the database server's (PostgreSQL):
the script of a worker's pass and of a `digest send` so, a server that kills the worker as the
second message's data comes, and waiting until a message is due on the database server's clock."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

from digest.demo.smtp_server import Mailbox
from digest.store import Store

LEASE = dt.timedelta(seconds=120)  # the lease of a claim a test makes by hand


# a worker's pass on a machine whose clock is argv[2] s ahead, every reading of it (its leases' too)
AHEAD = """
import datetime as dt, sys
import digest.daemon.tick, digest.db, digest.deliver.delivery, digest.deliver.lines
from digest.config import load_config
from digest.daemon.service import Daemon
real = digest.db.wall_clock
clock = lambda: real() + dt.timedelta(seconds=float(sys.argv[2]))
digest.db.wall_clock = digest.daemon.tick.wall_clock = clock
digest.deliver.delivery.wall_clock = digest.deliver.lines.wall_clock = clock
Daemon(load_config(sys.argv[1]), clock=clock, wall=clock).run_once()
"""


class KillingMailbox(Mailbox):
    """A real SMTP server that defers the first message, SIGKILLs ``pid`` as the second one's data
    comes (the worker killed while the server has it), and takes every later one."""

    pid = 0
    deferred = False

    async def handle_DATA(self, server, session, envelope):
        if not self.deferred:
            self.deferred = True
            return "451 4.3.0 try again later"
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            self.pid = 0
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


def due_on_server(url, user: str, within: float = 10.0) -> None:
    """Wait until ``user``'s deferred message is due on the database server's clock, which every
    worker judges a message's due time on (a worker ahead too), ``within`` seconds at the most."""
    end = time.monotonic() + within
    due = f"SELECT next_attempt_at FROM outbox WHERE \"user\" = '{user}'"
    with Store(url) as store:
        while True:
            (at,) = store.db.execute(due).fetchone()
            (server,) = store.db.execute("SELECT clock_timestamp()").fetchone()
            if dt.datetime.fromisoformat(at) <= server:
                return
            assert time.monotonic() < end, f"{user}'s message not due on the server's clock within {within} s"
            time.sleep(0.05)


# `digest send ARGS...` on a machine whose clock is argv[2] s ahead: every reading of it
SEND_AHEAD = """
import datetime as dt, sys
import digest.db
real = digest.db.wall_clock
clock = lambda: real() + dt.timedelta(seconds=float(sys.argv[2]))
digest.db.wall_clock = clock  # before any module takes it
import digest.cli, digest.cli.daily
digest.cli.daily.now_utc = clock
digest.cli.main(["--config", sys.argv[1], "send", *sys.argv[3:]])
"""
