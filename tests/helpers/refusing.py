"""An aiosmtpd handler that refuses some addresses at RCPT TO: a hard bounce ("550 5.1.1"), or any
other reply a test gives, for the tests of what a refusal does (suppressed, said, retried)."""

from __future__ import annotations

from typing import Any

from digest.demo.smtp_server import Mailbox

NO_SUCH_USER = "550 5.1.1 <{}>: no such user"


class Refusing(Mailbox):
    """Takes every message (in ``messages``) but to the addresses of ``refused``, whose RCPT it
    answers with ``reply`` (``{}``: the address); ``refusals``: how many it answered so. A test
    may add to ``refused`` while the server runs (an address refused from the next send on)."""

    def __init__(self, refused: set[str], reply: str = NO_SUCH_USER) -> None:
        super().__init__()
        self.refused, self.reply, self.refusals = refused, reply, 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            self.refusals += 1
            return self.reply.format(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"
