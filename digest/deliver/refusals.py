"""When the server refuses us, not a reader: the pass stops, and nothing is held against the readers.

A refused login (535), a refused sender (a 5xx at MAIL FROM) or refused relaying (a 5.7.x at
RCPT TO, or after DATA, for several recipients in a row before the server took any message:
digest.deliver.pacing.Circuit) says nothing of the readers' addresses: every other message
would be refused alike. The pass stops; the messages wait in the outbox (the ones refused
are tried again after the usual backoff, the others are due as before, and `digest send`
retries them at once); nobody is suppressed; the error says what to fix.
"""

from __future__ import annotations

from digest.deliver.lines import Pass
from digest.deliver.replies import SET_LOGIN, login_wanted
from digest.deliver.transports import LoginRefused, Refused

WAITING = "the digests wait in the outbox until the server takes them"
KEPT = f"nobody was suppressed, and {WAITING}"  # after a refusal of us for several recipients


def stopped(run: Pass) -> Refused:
    """The error that ends a pass in which the server refused us (``run.circuit.refused``)."""
    circuit, smtp = run.circuit, run.config.smtp
    if circuit.login:
        reply = f"{circuit.reply}; the digests wait in the outbox until the login works"
        error: Refused = LoginRefused(reply)
    elif circuit.relayed and circuit.stages == {"RCPT"} and login_wanted(smtp, circuit.reply):
        error = Refused(
            f"the SMTP server {smtp.host}:{smtp.port} refused {len(circuit.streak)} recipients in a row "
            f"at RCPT TO (the last: {circuit.reply}), and took no message: {SET_LOGIN}; {KEPT}"
        )
    elif circuit.relayed and circuit.stages == {"RCPT"}:
        error = Refused(
            f"the SMTP server {smtp.host}:{smtp.port} refused {len(circuit.streak)} recipients in a row "
            f"at RCPT TO as a refusal of us (the last: {circuit.reply}), and took no message: relaying "
            "denied, or our sender not allowed; check smtp.host, smtp.username and smtp.from, and that "
            f"the server relays mail for us; {KEPT}"
        )
    elif circuit.relayed:  # refused after DATA (some maybe at RCPT): the message of us, not of them
        where = "after DATA" if circuit.stages == {"DATA"} else "at RCPT TO or after DATA"
        error = Refused(
            f"the SMTP server {smtp.host}:{smtp.port} refused the messages of {len(circuit.streak)} "
            f"recipients in a row {where} "
            f"as a refusal of us (the last: {circuit.reply}), and took no message: our sender not "
            "authorized, a login required, our mail failing the receivers' checks (SPF, DKIM, DMARC), or "
            "our IP address or domain listed as a source of spam; check smtp.from, smtp.username and the "
            "sending domain's SPF, DKIM and DMARC records (and, if the reply names a block list, its "
            f"page about the sending IP address); {KEPT}"
        )
    else:
        error = Refused(f"{circuit.reply}; {WAITING}")
    return error  # said once, by whoever reports it (`digest send`, the daemon's "tick failed")
