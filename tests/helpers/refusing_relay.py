"""Relays that refuse what a misconfigured or suspended relay refuses (every RCPT TO, every MAIL
FROM, or a message after its data) while they are told to, and six readers (r0 to r5) of one
paper whose digests they are to take: for the tests of refusals that stop a `digest send` or are
of some readers alone."""

from __future__ import annotations

import threading
from collections import Counter

from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import FAILED, QUEUED, SENT, Store

from conftest import Workspace, make_dump

READERS = [f"r{i}" for i in range(6)]


class Relay(Mailbox):
    """A relay that, while ``refusing``, answers every RCPT TO with ``rcpt`` (``{}``: the
    address) or every MAIL FROM with ``mail``; it counts both commands and keeps what it accepts."""

    def __init__(self, rcpt: str | None = None, mail: str | None = None) -> None:
        super().__init__()
        self.rcpt, self.mail, self.refusing = rcpt, mail, True
        self.mails = self.rcpts = 0
        self.count = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: ANN001
        with self.count:
            self.mails += 1
        if self.refusing and self.mail is not None:
            return self.mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        with self.count:
            self.rcpts += 1
        if self.refusing and self.rcpt is not None:
            return self.rcpt.format(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def received(self) -> Counter[str]:
        return Counter(r for m in self.messages for r in m.rcpt_tos)


def readers(tmp_path, server: LocalSmtpServer, database: str, connections: int = 1) -> Workspace:
    ws = Workspace(tmp_path, server.port, database=database)
    ws.config_path.write_text(ws.config_path.read_text() + f"delivery:\n  connections: {connections}\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
    assert ws.cli("ingest").exit_code == 0
    for user in READERS:
        ws.profile(user, f"email: {user}@example.org\ninterests: [robots]\n")
    return ws


def nobody_suppressed_or_failed(ws: Workspace) -> None:
    assert ws.cli("suppressed").output == "No suppressed readers.\n"
    with Store(ws.config.database) as store:
        assert Suppressions(store).all() == []
        assert Outbox(store).counts()[FAILED] == 0


def fixed_then_sent_once(ws: Workspace, handler: Relay) -> None:
    """The server fixed: the next `send` delivers every reader's digest, once, and says so."""
    handler.refusing = False
    result = ws.cli("send")
    assert result.exit_code == 0, result.output
    assert handler.received() == Counter({f"{u}@example.org": 1 for u in READERS})
    with Store(ws.config.database) as store:
        assert Outbox(store).counts() == {QUEUED: 0, SENT: len(READERS), FAILED: 0}
    assert ws.cli("send").exit_code == 0  # and a third `send` sends nothing again
    assert sum(handler.received().values()) == len(READERS)


# whose fault a reply at RCPT TO is (test_refusals.AT_RCPT): the address's, ours, or neither's
BOUNCE, OURS, NEITHER = "bounce", "ours", "neither"


class DataRelay(Relay):
    """A relay that takes every RCPT TO but, while ``refusing``, answers the end of every
    message's data with ``data``; it counts the messages whose data it was sent."""

    def __init__(self, data: str) -> None:
        super().__init__()
        self.data, self.datas = data, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        with self.count:
            self.datas += 1
        if self.refusing:
            return self.data
        return await super().handle_DATA(server, session, envelope)


class RefusingData(Mailbox):
    """Takes every message but those to ``refused``, each answered after its data with ``reply``
    (``refusals``: how many)."""

    def __init__(self, refused: set[str], reply: str) -> None:
        super().__init__()
        self.refused, self.reply, self.refusals = refused, reply, 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        if set(envelope.rcpt_tos) & self.refused:
            self.refusals += 1
            return self.reply
        return await super().handle_DATA(server, session, envelope)


def delivered(handler: Mailbox) -> Counter[str]:
    """How many messages ``handler`` took for each address."""
    return Counter(r for m in handler.messages for r in m.rcpt_tos)


class TurningAway(DataRelay):
    """Takes the first message, then (while ``refusing``) answers every message's data with ``data``:
    a relay that stops taking our mail mid-pass (our account's threshold reached, suspended)."""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        if not self.messages:
            return await Mailbox.handle_DATA(self, server, session, envelope)
        return await super().handle_DATA(server, session, envelope)


class TurningAwayAtRcpt(Relay):
    """Takes the first message, then (while ``refusing``) answers every RCPT TO with ``rcpt``: a
    relay that stops taking our mail mid-pass."""

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        if not self.messages:
            envelope.rcpt_tos.append(address)
            return "250 OK"
        return await super().handle_RCPT(server, session, envelope, address, options)


def refused_at_every_rcpt_after_one_taken(tmp_path, database, reply: str) -> None:
    """r0's digest taken, then ``reply`` to every recipient: each waits (nobody suppressed, nothing
    failed), in this pass and the next (nothing taken since), which stops at 3 refusals in a row;
    the server fixed, every digest goes once."""
    handler = TurningAwayAtRcpt(rcpt=reply)
    with LocalSmtpServer(handler) as server:
        ws = readers(tmp_path, server, database)
        each_waits_in_two_passes(ws, "refused 3 recipients in a row at RCPT TO")
        fixed_then_sent_once(ws, handler)


def each_waits_in_two_passes(ws: Workspace, again_said: str) -> None:
    """Two real `digest send`s, r0's digest taken in the first and every other refused: in the
    first, each other reader's waits ("refused our mail, not the address; waits until"); the
    second says ``again_said``; neither says FAILED, and after each nobody is suppressed or failed."""
    first = ws.cli("send").output
    assert (
        "FAILED" not in first
        and first.count("refused our mail, not the address; waits until") == len(READERS) - 1
    )
    nobody_suppressed_or_failed(ws)
    again = ws.cli("send").output  # retried now: refused again, the server taking nothing since
    assert "FAILED" not in again and again_said in again, again
    nobody_suppressed_or_failed(ws)
