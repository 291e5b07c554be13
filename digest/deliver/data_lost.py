"""The words of a failed try's reply that say where the SMTP transaction was when it ended, and
whether the answer to the message's data was never heard (the server may have taken it)."""

from __future__ import annotations

import re


def during(stage: str, why: str = "") -> str:
    """How a failed try's reply names where the transaction was (and why it ended there): " during
    DATA: <why>". A connection lost there (and a command quit while it waited: data_sent.UNANSWERED)
    ends :data:`DATA_LOST`'s way, which :func:`answer_lost` reads in the replies stored."""
    return f" during {stage}: {why}" if why else f" during {stage}"


# A failed try's reply whose answer to the data was never heard ends with these words, or has them
# followed by ": <why>": answer_lost reads them in the attempts stored, by this release and earlier
# ones (whose rows say "the server timed out during DATA", "the server hung up during DATA: ...",
# "<error> during DATA", "the command quit at once during DATA: ..."), so they stay these words.
DATA_LOST = during("DATA")

# How a try begins whose data's end the server answered with neither the 250 that accepts a message
# nor a refusal (4xx, 5xx): "221 2.0.0 bye", and the connection closed. RFC 5321 takes only a 250 as
# accepted, so it is sent again; but the server has the data, and may have taken it: read by
# answer_lost as an answer lost (its reply ends as one), and said so (held_said.NOT_ACCEPTED)
ANSWERED_DATA = "the server answered the end of the data with "


def unconfirmed(reply: str) -> str:
    """The failed try's reply of a message whose data's end the server answered with ``reply``,
    a code below 400 other than 250 ("221 2.0.0 bye"): :data:`ANSWERED_DATA`."""
    return f"{ANSWERED_DATA}{reply}{during('DATA', 'not the 250 that accepts it, so it may have taken it')}"


def unheard(timeout: float) -> str:
    """The failed try's reply of a message whose data's end the server did not answer within
    ``timeout`` (smtp.timeout): it has the data, and may have taken it (its rows by earlier releases
    said only "the server timed out during DATA")."""
    return f"the server timed out{during('DATA', _NO_ANSWER.format(f'smtp.timeout: {timeout:g} s'))}"


def cut_unheard(why: str) -> str:
    """The failed try's reply of a message whose data's end the server had when it hung up before
    answering it (``why``: "Connection unexpectedly closed"): it may have taken it, said as of one
    silent (:func:`unheard`; rows by earlier releases: "the server hung up during DATA: <why>")."""
    return f"the server hung up{during('DATA', _NO_ANSWER.format(why))}"


_NO_ANSWER = "no answer to the end of the data ({}), so it may have taken it"

# How the replies of an answer lost end (unheard, cut_unheard, data_sent.UNANSWERED): said after words
# that say so already (held_said.ANSWER_LOST: "... it may have it"), they are left off (:func:`once`)
_MAYBE_TAKEN = re.compile(r", so (?:it|the server) may have taken it$")


def once(reply: str) -> str:
    """``reply``, a lost answer's, said after words that say the server may have the message: without
    its own ", so it may have taken it" (", so the server may have taken it"), which would say it twice
    ("... was lost: it may have it; sent again at ...: the server timed out during DATA: no answer to
    the end of the data (smtp.timeout: 1 s)"). The reply stored keeps them (answer_lost reads either)."""
    return _MAYBE_TAKEN.sub("", reply) if answer_lost(reply) else reply


# Where a failure while our data went is said (" during the message's data, before its end: [Errno 104]
# Connection reset by peer"): a send that failed before the data's end was handed over, so the server
# never got the end and cannot have taken the message; not DATA_LOST's
DATA_CUT = "the message's data, before its end"

# Where a failure at the DATA command itself is said (" during the DATA command"): before its 354,
# none of the message sent, so not DATA_LOST's (the server has none of it)
DATA_COMMAND = "the DATA command"

_SERVER_ANSWER = re.compile(r"[1-5][0-9][0-9](?: |$)")  # "451 4.3.0 ...": the server's own reply


def answer_lost(reply: str) -> bool:
    """Is ``reply`` (a failed try's, as transports.SmtpSender.send words it) a connection lost or
    timed out during DATA, its answer never heard: the server may have taken the message. A reply
    that begins with a server's code (451, 554: a refusal of the data) is its answer, heard,
    whatever words follow it; the replies of a lost answer never begin so."""
    if _SERVER_ANSWER.match(reply):
        return False
    return reply.endswith(DATA_LOST) or f"{DATA_LOST}: " in reply
