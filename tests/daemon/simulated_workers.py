"""The simulated days (simulated_days) with two or three workers on the one database: each event
of a worker (a daemon pass, `digest run --once`, `digest send`, `send --user`) comes from one of
them, drawn at random, each with its daemon kept between its passes, its own worker id (its
claims are its own, not the others') and, on PostgreSQL, its own clock off the simulated one by
up to five minutes either way, every reading of it (the pass's ``now``, the leases' wall clock;
what README's *Several workers* allows for, and says: a worker ahead makes its readers' digests
when its clock reaches their send time). On SQLite the workers are processes of one machine:
one clock. They take turns (an event ends before the next begins), in this process, each under
its own worker id (digest.worker_ids.worker_id) and clock while it acts. Now and then a worker's pass,
or its `digest send`, is a real `digest` process killed (SIGKILL) by the SMTP server as the data
of a message it claimed comes, before the server takes it (it dies between its claim and the
send, as test_send_killed's `send`, without its own `finally`); the others go on a lease later.
What was made is judged on the simulated clock: when each digest was made is noted as the event
that made it ends (on its worker's clock if that is behind: the dumps it sees).
`PYTHONPATH=.:tests python tests/daemon/simulated_workers.py FIRST LAST` runs seeds FIRST to
LAST (under pg_virtualenv: on PostgreSQL), printing their violations and what led to them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from simulated_days import Server, Simulation, violations

import digest.cli.run_daemon
import digest.daemon.clocks
import digest.daemon.newcomer
import digest.daemon.renamed
import digest.daemon.sendnow
import digest.db
import digest.store_twice
import digest.worker_ids
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.store import Store

from conftest import Workspace

# s off the simulated clock; none from -60 to 0: a worker less than the minute `send` waits for a
# dump to settle behind the inbox's mtimes would wait in real time, its clock standing still here
OFFSETS = [-300, -240, -120, -90, 0, 0, 45, 120, 240, 300]
LEASE = 1.0  # s: delivery.lease_seconds; a killed worker's claims end this long after
KILLS = 0.06  # of the passes and sends: a real process, killed between a claim and the send
# the modules that read the wall clock (digest.db.wall_clock) as they run, each given the worker's
# (test_simulated_clocks checks the list); the others take it as a default argument, bound as they
# were imported, which every caller in digest/ passes on as ``wall`` (`digest run` its own reading)
CLOCKED = (digest.db, digest.daemon.clocks, digest.daemon.newcomer, digest.daemon.renamed)
CLOCKED += (digest.daemon.sendnow, digest.store_twice, digest.cli.run_daemon)

# a pass of a worker in its own process, on a machine argv[3] s off the wall clock, at the
# simulated time argv[2] (+ the same offset)
KILLED_PASS = """
import datetime as dt, sys
import digest.db
real, off = digest.db.wall_clock, dt.timedelta(seconds=float(sys.argv[3]))
wall = digest.db.wall_clock = lambda: real() + off  # before any module takes it, as KILLED_SEND
from digest.config import load_config
from digest.daemon.service import Daemon
now = dt.datetime.fromisoformat(sys.argv[2]) + off
Daemon(load_config(sys.argv[1]), clock=lambda: now, wall=wall, once=True).run_once()
"""

# `digest send ARGS...` (argv[4:]) in its own process, on a machine argv[3] s off, at the simulated
# time argv[2] (+ the offset), its clock going on as the real one does (it waits for a dump to settle)
KILLED_SEND = """
import datetime as dt, sys, time
import digest.db
real, off = digest.db.wall_clock, dt.timedelta(seconds=float(sys.argv[3]))
digest.db.wall_clock = lambda: real() + off  # before any module takes it
import digest.cli, digest.cli.daily
start, began = dt.datetime.fromisoformat(sys.argv[2]) + off, time.monotonic()
digest.cli.daily.now_utc = lambda: start + dt.timedelta(seconds=time.monotonic() - began)
digest.cli.main(["--config", sys.argv[1], "send", *sys.argv[4:]])
"""


class KillingServer(Server):
    """:class:`Server`, that SIGKILLs ``pid`` (a worker's process) as a message's data comes."""

    pid = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            self.pid = 0
            return "451 4.3.0 try again later"  # to nobody
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Worker:
    name: str
    offset: dt.timedelta
    token: str  # its worker id's (digest.worker_ids.worker_id): host:pid:token
    daemon: Daemon | None = None


@dataclass
class Workers(Simulation):
    pick: random.Random = field(default_factory=random.Random)
    workers: list[Worker] = field(default_factory=list)
    current: Worker | None = None
    acted: Worker | None = None  # the worker of the event under way
    made: dict[str, dt.datetime] = field(default_factory=dict)  # message id -> made at (simulated)

    def __post_init__(self) -> None:
        super().__post_init__()
        with self.ws.config_path.open("a") as f:
            f.write(f"delivery:\n  lease_seconds: {LEASE}\n")
        self.pick = random.Random(f"workers {self.seed}")
        postgres = str(self.ws.config.database).startswith("postgresql")
        for i in range(self.pick.choice([2, 3])):
            offset = dt.timedelta(seconds=self.pick.choice(OFFSETS))  # drawn on SQLite too: the same events
            offset = offset if postgres else dt.timedelta(0)
            self.workers.append(Worker(f"w{i}", offset, f"sim{self.seed}w{i}"))
        said = ", ".join(f"{w.name} {w.offset.total_seconds():+.0f} s" for w in self.workers)
        self.log.append(f"workers: {said}")

    def _clock(self) -> dt.datetime:
        return self.now + (self.current.offset if self.current else dt.timedelta(0))

    def made_at(self, message_id: str, created_at: str) -> dt.datetime:
        return self.made.get(message_id, dt.datetime.fromisoformat(created_at))

    @contextlib.contextmanager
    def as_worker(self) -> Iterator[Worker]:
        """One of the workers, drawn: its id and its clock, for what it does now."""
        worker = self.current = self.acted = self.pick.choice(self.workers)
        self.log.append(f"  by {worker.name}")
        real, token = digest.db.wall_clock, digest.worker_ids._TOKEN
        wall: Callable[[], dt.datetime] = lambda: real() + worker.offset  # noqa: E731
        digest.worker_ids._TOKEN = (os.getpid(), worker.token)
        for module in CLOCKED:
            module.wall_clock = wall
        try:
            yield worker
        finally:
            for module in CLOCKED:
                module.wall_clock = real
            digest.worker_ids._TOKEN, self.current = token, None

    def do(self, what: str, call) -> None:
        self.acted = None
        super().do(what, call)
        # what this event made, made now, as its worker saw the inbox: a worker behind takes a dump
        # dated ahead of its clock for one still being written (README: inbox), and waits for it
        behind = min(self.acted.offset if self.acted else dt.timedelta(0), dt.timedelta(0))
        with Store(self.ws.config.database) as store:
            ids = [m for (m,) in store.db.execute("SELECT message_id FROM outbox").fetchall()]
        self.made.update((m, self.now + behind) for m in ids if m not in self.made)

    def passes(self) -> None:
        with self.as_worker() as worker:
            looked = (self._clock(), {u: self._schedule(r) for u, r in self.readers.items()})
            killing = isinstance(self.server, KillingServer) and self.pick.random() < KILLS
            if killing and self.killed(worker, KILLED_PASS):
                return  # a pass killed is not one that came within the grace (see unserved)
            self.looked.append(looked)
            if killing:  # it ended, nothing sent to be killed at
                return
            if worker.daemon is None:
                sender = lambda c: SmtpSender(c.smtp)  # noqa: E731
                wall = lambda: digest.db.wall_clock()  # noqa: E731  (this worker's, as it passes)
                worker.daemon = Daemon(self.ws.config, self._clock, sender_factory=sender, wall=wall)
            worker.daemon.run_once()

    def killed(self, worker: Worker, script: str, *args: str) -> bool:
        """``worker``'s pass or `send` as a real process, killed as the server gets a message's data."""
        command = [sys.executable, "-c", script, str(self.ws.config_path), self.now.isoformat()]
        command += [str(worker.offset.total_seconds()), *args]
        out = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
        process = subprocess.Popen(command, cwd=self.ws.root, **out)
        self.server.pid = process.pid
        _, err = process.communicate(timeout=180)
        self.server.pid, code = 0, process.returncode
        # a pass or a send that failed (not killed; a send that could not send all: 1) is a fault of its own
        assert code in (0, -signal.SIGKILL) or code == 1 and script == KILLED_SEND, err.decode()
        assert b"Traceback" not in err, err.decode()
        what = "a pass" if script == KILLED_PASS else "the send"
        self.log.append(f"  {what} {'killed as it sent' if code == -signal.SIGKILL else f'ended ({code})'}")
        if code == -signal.SIGKILL:
            time.sleep(LEASE + 0.5)  # its claims end (the next event comes minutes later)
        return code == -signal.SIGKILL

    def run_once(self) -> None:
        with self.as_worker():
            super().run_once()

    def send(self, user: str | None = None) -> None:
        with self.as_worker() as worker:
            if isinstance(self.server, KillingServer) and self.pick.random() < KILLS:
                self.killed(worker, KILLED_SEND, *(["--user", user] if user else []))
            else:
                super().send(user)


def simulate_workers(ws: Workspace, server: Server, seed: int) -> Workers:
    sim = Workers(ws, server, seed)
    sim.play(random.Random(seed))
    return sim


def explore(first: int, last: int) -> None:
    """Seeds ``first`` to ``last`` (not included), each on a fresh SQLite workspace (under
    pg_virtualenv, PGHOST set: a fresh PostgreSQL database), their violations printed."""
    import logging
    import tempfile
    from pathlib import Path

    from digest.demo.smtp_server import LocalSmtpServer

    from conftest import postgres_database

    logging.disable(logging.CRITICAL)
    events = 0
    for seed in range(first, last):
        database = postgres_database() if os.environ.get("PGHOST") else contextlib.nullcontext("digest.db")
        with tempfile.TemporaryDirectory() as root, LocalSmtpServer(KillingServer()) as smtp, database as db:
            sim = simulate_workers(Workspace(Path(root), smtp.port, db), smtp.handler, seed)
            found = violations(sim)
        events += sum(not line.startswith(" ") for line in sim.log)
        said = (*found, *(sim.log if found else ()))
        print(f"seed {seed}: {len(found)} violations", *said, sep="\n  ", flush=True)
    print(f"{last - first} seeds, {events} events")


if __name__ == "__main__":
    explore(int(sys.argv[1]), int(sys.argv[2]))
