"""When the server refuses us, not a reader: the pass stops, and nothing is held against the readers.

A refused login (535), a refused sender (a 5xx at MAIL FROM) or refused relaying (the same
refusal at RCPT TO of several recipients in a row: digest.deliver.pacing.Circuit) says nothing
of the readers' addresses: every other message would be refused alike. The pass stops; the
messages wait in the outbox (the ones refused are tried again after the usual backoff, the
others are due as before, and `digest send` retries them at once); nobody is suppressed; the
error says what to fix.

A refusal of the streak that read as a bad mailbox (a "550 Access denied", with no enhanced
code to tell it from one) was recorded as such, and its address suppressed, before
the streak showed it for what it was: it is queued again, and the address released, here.
"""

from __future__ import annotations

import datetime as dt
import logging

from digest.deliver.lines import Pass
from digest.deliver.transports import LoginRefused, Refused

log = logging.getLogger(__name__)


def stopped(run: Pass) -> Refused:
    """The error that ends a pass in which the server refused us (``run.circuit.refused``); the
    messages of a streak of refused recipients recorded as failed are queued again first."""
    circuit, smtp = run.circuit, run.config.smtp
    if circuit.login:
        reply = f"{circuit.reply}; the digests wait in the outbox until the login works"
        error: Refused = LoginRefused(reply)
    elif circuit.relayed:
        requeue(run)
        error = Refused(
            f"the SMTP server {smtp.host}:{smtp.port} refused {len({r for r, _ in circuit.streak})} "
            f"recipients in a row alike at RCPT TO (the last: {circuit.reply}): a refusal of us, not of "
            "their addresses (relaying denied, or our sender not allowed); check smtp.host, smtp.username "
            "and smtp.from, and that the server relays mail for us; nobody was suppressed, and the "
            "digests wait in the outbox until the server takes them"
        )
    else:
        error = Refused(f"{circuit.reply}; the digests wait in the outbox until the server takes them")
    log.error("%s", error)
    return error


def requeue(run: Pass) -> None:
    """The streak's messages recorded as failed with its reply queued again (tried after the first
    backoff, as a deferred message is), their readers' suppressions for it lifted. The streak's
    refusals of us (5.7.x) were recorded as deferred already: there is nothing to undo."""
    circuit, outbox = run.circuit, run.outbox
    reply = circuit.blanket
    if reply is None or reply == "us":
        return
    at = run.clock() + dt.timedelta(seconds=run.policy.delay(1, run.rng))
    with run.guard, outbox.store.transaction():
        for recipient, outbox_id in circuit.streak:
            user = outbox.requeue(outbox_id, reply, at) if outbox_id is not None else None
            if user is not None:
                run.suppressions.lift(user, recipient, reply)
                log.warning("digest to %s <%s> queued again: %s was a refusal of us", user, recipient, reply)
