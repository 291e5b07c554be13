"""Bob's week of robotics digests (Thursday's, Friday's, Saturday's listings) sent by a real daemon's
passes to a server that defers Thursday's digest or takes it and loses the reply (Deferring), or
that refuses every message for good (Refusing): for the tests of a digest failed or held while
the next was made."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable

import pytest

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace, make_dump

THU_0730 = dt.datetime(2026, 3, 19, 7, 30, tzinfo=dt.UTC)
BOB = 'name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\nsend_at: "07:30"\n'
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
LOST = "taken, the reply lost"  # Deferring's reply: the server hangs up after DATA


class Deferring(Mailbox):
    """Answers the first message holding "Robotics Thursday" (Thursday's digest, each try of it:
    its Message-ID) with ``reply`` (451: tried again later; LOST: takes it and hangs up before
    the reply); accepts every other."""

    def __init__(self) -> None:
        super().__init__()
        self.reply = "451 4.3.0 mailbox busy, try again later"
        self.refused: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if not self.refused and "Robotics Thursday" in message.get_body(("plain",)).get_content():
            self.refused.append(message["Message-ID"])
        if message["Message-ID"] in self.refused:
            if self.reply != LOST:
                return self.reply
            await super().handle_DATA(server, session, envelope)  # taken: the reader has it
            server.transport.close()  # and the connection gone before the reply
            return "250 never heard"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server():
    """A loopback SMTP server whose handler is a Deferring (the fixture of the tests that import it)."""
    with LocalSmtpServer(Deferring()) as server:
        yield server


def bobs_week(ws: Workspace, retry_for_hours: float = 24) -> Callable[[dt.timedelta], None]:
    """Bob's profile, each day's listing in the inbox (dated 01:30 that day: taken in then), and
    a real daemon's pass at THU_0730 + the time given. The sending paced at 1,000 messages a second
    at most: Deferring's 451 ("mailbox busy") asks us to slow down, which halves the pace, and with
    no limit set that is 0.5 a second, so each pass sent its next message 2 s after it; half of
    1,000 is 2 ms (what the tests here are about is the 451's retry, not the pace)."""
    with ws.config_path.open("a") as config:
        config.write(f"delivery:\n  max_per_second: 1000\n  retry_for_hours: {retry_for_hours:g}\n")
    ws.profile("bob", BOB)
    now = [THU_0730]
    d = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))

    def at(after: dt.timedelta) -> None:
        now[0] = THU_0730 + after
        d.run_once()

    for day, paper in ((0, "Thursday"), (1, "Friday"), (2, "Saturday")):
        listed = THU_0730 + day * DAY - dt.timedelta(hours=6)
        ws.dump(
            f"{paper}.txt",
            make_dump(listed.strftime("%b %d"), [(f"Robotics {paper}", "Robots.")]),
            mtime=listed,
        )
    return at


def received(server: LocalSmtpServer) -> list[list[str]]:
    """The papers ("Robotics <word>") of each message the server took, in order: their words."""
    return [
        sorted(re.findall(r"Robotics (\w+)", m.message.get_body(("plain",)).get_content()))
        for m in server.handler.messages
    ]


def up_to_friday(ws: Workspace) -> Callable[[dt.timedelta], None]:
    """Bob's week on a real daemon's passes (bobs_week's ``at``) up to Friday 07:29: Thursday's
    digest deferred twice (451), Friday's listing taken in."""
    at = bobs_week(ws, retry_for_hours=48)
    at(MINUTE)  # Thursday 07:31: Thursday's digest made; 451: tried again later
    at(DAY - MINUTE)  # Friday 07:29: Friday's listing taken in, Thursday's tried again: 451
    return at


class Refusing(Mailbox):
    """Refuses every message for good ("550 5.2.2 mailbox full") until ``reply`` is None."""

    def __init__(self) -> None:
        super().__init__()
        self.reply: str | None = "550 5.2.2 mailbox full"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply is not None:
            return self.reply
        return await super().handle_DATA(server, session, envelope)
