"""A workspace of several readers with a paper for each, and the command of a real `digest send`
process on it: for the tests of sends stopped or run side by side."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store
from helpers.faked import clock_at, digest_at
from helpers.held_answers import HeldAnswers

from conftest import Workspace, make_dump


def readers_to_send(ws: Workspace, readers: int, at: dt.datetime | None = None) -> list[str]:
    """Readers r0 ... r<readers - 1>, each interested in the one paper ingested; `digest send`'s command.
    ``at`` (UTC, a moment of 2026-03-14): the listing taken in with the clock then (libfaketime)."""
    for i in range(readers):
        ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
    day = make_dump(
        "Mar 14" if at is None else f"{at:%b} {at.day}", [("Neuromorphic Chips", "About neuromorphic chips.")]
    )
    ws.dump("day.txt", day, mtime=None if at is None else at - dt.timedelta(hours=3))
    if at is None:
        assert ws.cli("ingest").exit_code == 0
    else:
        digest_at(ws, "ingest", at=at)
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]


@dataclass
class SlowMail(Mailbox):
    """Answers each MAIL FROM after a pause: the next message is on its way when a signal lands
    (withdrawn, it stays queued, never tried), whatever the database (PostgreSQL's send stores each
    message as it goes; SQLite's a batch ahead). With ``hold_after`` (:func:`stopped_send` sets
    it), a MAIL FROM after that many messages is answered only once ``released``: the signal is
    sure to land while that message is on its way, however late the test (or the send's maker of
    digests, a process of lower priority) comes to it on a busy machine. ``asked``: the MAIL FROMs
    it got."""

    asked: int = 0
    hold_after: int | None = None
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        with self.lock:
            self.asked += 1
            held = self.hold_after is not None and len(self.messages) >= self.hold_after
        await asyncio.sleep(0.5)
        deadline = time.monotonic() + 120
        while held and not self.released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        envelope.mail_from = address
        return "250 OK"


def stopped_send(
    command: list[str], handler: SlowMail, after: int = 2, at: dt.datetime | None = None
) -> tuple[str, str, int]:
    """Run `digest send` (``command``; ``at``: with its clock then, libfaketime) and stop it with SIGINT
    (Ctrl-C) once ``handler`` has ``after`` messages and the next is on its way (its MAIL FROM held
    until the send says it is stopping); its stdout, stderr and exit code."""
    handler.hold_after = after
    env = None if at is None else clock_at(at, {**os.environ, "TZ": "UTC"})
    send = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 120
        while handler.asked <= after and send.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        send.send_signal(signal.SIGINT)
        said = said_until(send, "stopping")  # the stop taken before the held message's data ends
    finally:
        handler.released.set()
    out, err = send.communicate(timeout=120)
    return out, said + err, send.returncode


def said_until(process: subprocess.Popen, word: str, seconds: float = 60) -> str:
    """``process``'s stderr up to the line that holds ``word`` (all of it, if it ended first)."""
    said: list[str] = []

    def read() -> None:
        while line := process.stderr.readline():
            said.append(line)
            if word in line:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    assert not reader.is_alive(), f"no {word!r} line within {seconds:g} s of the signal: {''.join(said)!r}"
    return "".join(said)


def untried_after_stop(
    ws: Workspace, handler: SlowMail, readers: int = 5, at: dt.datetime | None = None
) -> list[str]:
    """Readers r0 ... r<readers - 1> of ``ws`` sent to by a `digest send` stopped with SIGINT once
    ``handler`` has two messages: the readers whose digest it made and stored and did not try. ``at``:
    the listing taken in and the send run with the clock then (libfaketime)."""
    out, err, code = stopped_send(readers_to_send(ws, readers, at), handler, at=at)
    assert code == 130, out + err
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user FROM outbox WHERE status = 'queued' AND attempts = 0")
        untried = sorted(r[0] for r in rows.fetchall())
    assert untried, out + err  # made, stored, not tried: the case of the tests that ask
    return untried


def row(output: str, user: str) -> str:
    """``user``'s one row in `digest send`'s table (``output``), its columns one space apart."""
    (line,) = [line for line in output.splitlines() if line.startswith(f"{user} ")]
    return " ".join(line.split())


def workspace_of(
    tmp_path, server: LocalSmtpServer, database: str, readers: list[str], profile: str = ""
) -> Workspace:
    """A workspace whose ``readers`` all want the one paper of its dump (``profile``: more of each
    profile's YAML)."""
    ws = Workspace(tmp_path, server.port, database=database)
    for user in readers:
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n{profile}")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    return ws


@dataclass(frozen=True)
class Stopped:
    """What a command stopped by a signal (interrupted) did."""

    code: int  # the command's exit code
    said: str  # its stderr up to the line that says the stop was taken (or all of it, if it died)
    out: str
    rest: str  # its stderr after ``said``

    @property
    def err(self) -> str:
        return self.said + self.rest


def interrupted(command: list[str], mailbox: HeldAnswers, *signums: signal.Signals) -> Stopped:
    """``command`` run as its own process until the server holds the first message's answer; then
    the first of ``signums``, and once the command says it stops, the others. With one signal the
    server then answers (the command waits for that answer); with more, only once the command
    has ended (it must quit without it)."""
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert mailbox.holding.wait(60), "the first message never reached the server"
        first.send_signal(signums[0])  # while the server has the data, not yet answered
        said = said_until(first, "stopping")  # the process has taken the signal (or died of it)
        for signum in signums[1:]:
            first.send_signal(signum)
        if len(signums) == 1:
            mailbox.release.set()
        out, err = first.communicate(timeout=60)
    finally:
        mailbox.release.set()
        if first.poll() is None:
            first.kill()
            first.wait()
    return Stopped(first.returncode, said, out, err)


def digest(ws: Workspace, *args: str) -> list[str]:
    """The command of a real `digest ARGS` on ``ws``' config."""
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args]


SMTP_TIMEOUT = 30  # s: how long the command waited for the server after the second signal


def workspace(tmp_path, server, database, readers, profile="", connections=1):
    """workspace_of's, its SMTP timeout SMTP_TIMEOUT and its delivery over ``connections``."""
    ws = workspace_of(tmp_path, server, database, readers, profile)
    text = ws.config_path.read_text().replace("  timeout: 5\n", f"  timeout: {SMTP_TIMEOUT}\n")
    text += f"delivery:\n  connections: {connections}\n"
    ws.config_path.write_text(text)
    return ws
