"""What held a digest that waits in the outbox for its retry, said as what happened: a mail server deferred it
(its reply, a 4xx, quoted after), the mail server could not be reached (no server said anything: the
connection's error quoted after), the mail server was reached and does not take our smtp settings (no
STARTTLS, no login, a login refused, its certificate refused, our sender refused at MAIL FROM: what to fix
quoted after), the mail server refused our mail, not the address (a 5xx at RCPT or after DATA the outbox
takes as a refusal of us, and retries: relaying denied, a bare 5.7.1; a 5xx greeting; its reply quoted
after; "not offered, as the mail server refused our mail before it" of a digest the pass did not offer
after such a refusal), the mail server stopped answering (it greeted us, then timed out or hung up before
any mail (at EHLO, STARTTLS), at our login, at MAIL FROM, RCPT TO or the DATA command, or while our data
went, before its end: nothing refused it; or so often in a row that the pass stopped before it), our smtp
settings cannot be used (smtp.ca_file gone or spoilt since the config was read: no server tried; the key
and file quoted after), an error in digest itself (a bug: "internal error: ..." quoted after, its traceback
in the log), the mail server's answer to its data was lost (the connection cut or timed out after the data
was sent, or the command quit at once then: the server may have it, and it is sent again, with the same
Message-ID), the mail server's answer to its data was neither an acceptance nor a refusal (a code below 400
but 250: "221 bye"; maybe taken, and sent again, as an answer lost), or the file transport could not write
it (the path and the error quoted after).
`digest send`'s rows, `run --once`'s lines, the daemon's log and `send --to-dir`'s notes say it in these
words; the reply or error that follows says the rest."""

from __future__ import annotations

import datetime as dt
import re

from digest.deliver.data_lost import ANSWERED_DATA, answer_lost, once
from digest.deliver.replies import (
    CA_FILE_SPOILT,
    CANNOT_CONNECT,
    CUT_MADE,
    GREETING_MADE,
    INTERNAL_ERROR,
    NOT_TRIED,
    SETTINGS_MADE,
    SILENT_MADE,
    STOPPED_FOR_PASS,
    UNREACHED_MADE,
    UNWRITTEN,
)


def retry_said(at: dt.datetime) -> str:
    """A waiting message's retry time, as every command and the daemon's log say it: to the second,
    in UTC ('2026-12-06 07:01:55 UTC'). The first retry comes within a minute, which to the minute
    read as the send's own (or as now, in `status`)."""
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


DEFERRED = "deferred by the mail server"
UNREACHED = "the mail server could not be reached"
SETTINGS = "the mail server does not take our smtp settings"
REFUSED_US = "the mail server refused our mail, not the address"  # a 5xx of us (SendResult.ours)
# ... of another digest of the pass, or of our connection: this one never offered ("not tried: 5xx")
REFUSED_BEFORE = "not offered, as the mail server refused our mail before it"
STOPPED = "the mail server stopped answering"  # greeted us, then silent or hung up: EHLO to our data's end
NOT_WRITTEN = "the file could not be written"
BUG = "an error in digest itself stopped it (please report it, with the traceback logged)"  # INTERNAL_ERROR
UNUSABLE = "our smtp settings cannot be used, no server was tried"  # smtp.ca_file spoilt since read
# the connection lost (or the command quit) after the data's end, before the server's answer: neither
# deferred nor refused, and maybe delivered; the outbox sends it again (data_lost.answer_lost)
ANSWER_LOST = "the mail server's answer to its data was lost: it may have it"
# the data's end answered with a code below 400 other than 250 ("221 bye"): not RFC 5321's acceptance,
# nor a refusal; the server may have it, and the outbox sends it again, as an answer lost
NOT_ACCEPTED = "the mail server's answer to its data was neither an acceptance nor a refusal"
# a refusal (5xx) a digest waits after: of us (relaying denied, our sender not authorized, a bare
# 5.7.1), at RCPT or after DATA, or at the connection ("554 5.7.1 no SMTP service here": its greeting);
# a refusal of the recipient's address fails, and never waits
REFUSAL = re.compile(rf"(?:{GREETING_MADE.pattern})?5\d\d\b")
GREETED = GREETING_MADE  # a connection the server answered with a code before any mail ("421 4.3.2 busy")


def held_by(reply: str) -> str:
    """What held a digest whose last try ended with ``reply`` (its outcome's, or its outbox
    row's last_error): one of :data:`DEFERRED`, :data:`UNREACHED`, :data:`SETTINGS`,
    :data:`REFUSED_US` (:data:`REFUSED_BEFORE` of one the pass did not offer after it), :data:`STOPPED`,
    :data:`UNUSABLE`, :data:`ANSWER_LOST`, :data:`NOT_ACCEPTED`, :data:`BUG`, :data:`NOT_WRITTEN`."""
    if reply.startswith(UNWRITTEN):
        return NOT_WRITTEN
    if reply.startswith(ANSWERED_DATA):  # "221 bye" to the data's end: maybe taken, sent again
        return NOT_ACCEPTED
    if not reply.startswith(NOT_TRIED) and answer_lost(reply):  # this try's own: its data was sent
        return ANSWER_LOST
    said = reply.removeprefix(NOT_TRIED)  # this try's, or the pass's first
    if said.startswith(CA_FILE_SPOILT):  # our setting: its key and file said after
        return UNUSABLE
    if said.startswith(INTERNAL_ERROR):  # a bug of ours (deliver.lines): no server said anything
        return BUG
    if SETTINGS_MADE.match(said):  # reached, and nothing deferred: the config (said so by us, first)
        return SETTINGS
    if REFUSAL.match(said):  # refused, not deferred: retried as a refusal of us (deliver.results)
        return REFUSED_BEFORE if reply.startswith(NOT_TRIED) else REFUSED_US
    if SILENT_MADE.match(said) or CUT_MADE.match(said):  # it greeted us, and refused nothing
        return STOPPED
    if said.endswith(STOPPED_FOR_PASS):  # the pass's: not offered after the server timed out so often
        return STOPPED
    if said.startswith(CANNOT_CONNECT) and not GREETED.match(said):  # a 4xx greeting: it deferred
        return UNREACHED
    if UNREACHED_MADE.match(said):  # a port that took the connection, and no server spoke on it
        return UNREACHED
    return DEFERRED


def waits_until(reply: str, at: str) -> str:
    """A digest waiting for its retry at ``at`` (said as the caller says times), and why: "deferred
    until <at>" of a server's deferral (as before), "... it may have it; sent again at <at>" of an
    answer lost (the reader may get it twice), else what held it, then "waits until <at>"."""
    held = held_by(reply)
    if held == DEFERRED:
        return f"deferred until {at}"
    if held in (ANSWER_LOST, NOT_ACCEPTED):
        return f"{held}; sent again at {at}"
    if held == REFUSED_BEFORE:
        return f"{held}; waits until {at}"
    return f"{'not written' if held == NOT_WRITTEN else f'not sent: {held}'}; waits until {at}"


def reply_said(reply: str) -> str:
    """The reply said after :func:`waits_until`'s or :func:`held_for`'s head: as it is after
    "deferred" ("not tried: 421 ...": the pass's first was deferred, this one not offered), without
    "not tried: " after a "not sent" or "not written", which says it already; an answer lost's
    without its ", so it may have taken it", which the head's "it may have it" says already."""
    held = held_by(reply)
    if held == ANSWER_LOST:
        return once(reply)
    return reply if held == DEFERRED else reply.removeprefix(NOT_TRIED)


def held_for(reply: str, user: str) -> str:
    """A pass's line's head (`run --once`) for ``user``'s digest waiting for its retry: "deferred
    ada" of a server's deferral (as before), "not sent to ada (the mail server could not be
    reached)" (or "(the mail server does not take our smtp settings)", "(the mail server refused
    our mail, not the address)", "(not offered, as the mail server refused our mail before it)", "(the
    mail server stopped answering)", "(our smtp settings cannot
    be used, no server was tried)"), "maybe sent to ada (the mail server's answer to its data was lost:
    it may have it)", "not written for ada"."""
    held = held_by(reply)
    if held in (ANSWER_LOST, NOT_ACCEPTED):
        return f"maybe sent to {user} ({held})"
    if held in (UNREACHED, SETTINGS, REFUSED_US, REFUSED_BEFORE, STOPPED, UNUSABLE, BUG):
        return f"not sent to {user} ({held})"
    return f"deferred {user}" if held == DEFERRED else f"not written for {user}"
