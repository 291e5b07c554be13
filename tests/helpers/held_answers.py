"""An aiosmtpd handler that holds its answer: the tests of a stop (SIGTERM, Ctrl-C) while the
server has a message's RCPT TO (its data not sent yet) or its data (its answer not given yet)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from digest.demo.smtp_server import Mailbox


@dataclass
class HeldAnswers(Mailbox):
    """Takes every message (in ``messages``), but holds its answer at ``stage`` ("RCPT" or "DATA")
    once it has taken ``after`` messages (0: from the first), until ``release`` is set; ``holding``
    is set when one answer is held. Once released, it holds nothing more."""

    stage: str = "DATA"
    after: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def hold(self, stage: str) -> None:
        if stage == self.stage and len(self.messages) >= self.after and not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        await self.hold("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await self.hold("DATA")
        return await super().handle_DATA(server, session, envelope)
