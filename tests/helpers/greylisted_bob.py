"""A server that greylists bob's first RCPT (451, tried again later), and Bob's Friday: his profile,
the day's listing and a real daemon's passes at 07:30 + minutes: for the tests of a retry held
for a reader who changed since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace, make_dump


class Greylisting(Mailbox):
    """Accepts every message, but answers bob's first RCPT with a 451 (tried again later)."""

    def __init__(self) -> None:
        super().__init__()
        self.greylisted = False

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == "bob@example.org" and not self.greylisted:
            self.greylisted = True
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


FRI_0730 = dt.datetime(2026, 3, 20, 7, 30, tzinfo=dt.UTC)
BOB = 'name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\nsend_at: "07:30"\n'
PAPERS = [("Robotics Today", "Robots."), ("Soup", "Cooking.")]


@pytest.fixture
def greylisting():
    """A loopback SMTP server whose handler is a Greylisting (the fixture of the tests that import it)."""
    with LocalSmtpServer(Greylisting()) as server:
        yield server


def bobs_daemon(ws: Workspace, when: list[dt.datetime] | None = None) -> tuple[Path, Callable[[float], None]]:
    """Bob's profile file, the day's listing, and a real daemon's pass at FRI_0730 + minutes."""
    path = ws.profile("bob", BOB)
    ws.dump("day.txt", make_dump("Mar 19", PAPERS), mtime=FRI_0730 - dt.timedelta(hours=6))
    now = when if when is not None else [FRI_0730]
    d = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))

    def at(minutes: float) -> None:
        now[0] = FRI_0730 + dt.timedelta(minutes=minutes)
        d.run_once()

    return path, at
