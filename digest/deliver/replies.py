"""Whose fault a server's refusal is: the recipient's address (a bounce), us (our sender, our
relaying: the message waits), or that message alone; and the :class:`SendResult` that says so."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from email.utils import parseaddr

from digest.config import SmtpConfig
from digest.deliver.data_lost import DATA_CUT


@dataclass(frozen=True)
class SendResult:
    ok: bool
    reply: str  # the server's reply, or why the message could not be handed over
    permanent: bool = False  # a 5xx refusal: trying again will not help
    throttled: bool = False  # the server asked us to slow down (421, or 451/452 "too many ...")
    unreachable: bool = False  # no connection could be made: the server is down or never answered
    timed_out: bool = False  # connected, but the server stopped answering mid-transaction
    login_refused: bool = False  # the server refused our login: no message can go until the config is fixed
    sender_refused: bool = False  # a 5xx at MAIL FROM: our sender refused, so every message alike
    bounce: bool = False  # a 5xx refusal of the recipient's address: mail it no more
    ours: bool = False  # a 5xx refusal of us (sender, relaying), not of the recipient: it waits, retried
    vague: bool = False  # ours by a policy code alone (a bare 5.7.1, at RCPT or after DATA): see replies
    stage: str = ""  # where a refusal came: MAIL, RCPT or DATA
    # 5.7.13 "user account disabled" at RCPT or after DATA: our own sending account (RFC 5248's
    # meaning: it waits, ``ours``) or the recipient's mailbox (a bounce) when it comes again after
    # one that came alone (digest.deliver.results.record)
    account: bool = False

    @property
    def final(self) -> bool:
        """Refused for good: the message fails (a refusal of us waits for the fix instead)."""
        return self.permanent and not self.ours

    @property
    def relay_refused(self) -> bool:
        """A refusal of us for one recipient's message, at RCPT (relaying denied, not authorized)
        or after DATA (our sender not authorized, DMARC): see pacing.Circuit."""
        return self.stage in ("RCPT", "DATA") and self.permanent and self.ours


# The enhanced codes that name us, whatever the words (the registry of RFC 3463's codes): 5.1.7 and
# 5.1.8 our sender's address, 5.4.5 our sending quota, 5.7.8-5.7.12 and 5.7.14 our login or its
# security, 5.7.20-5.7.29 our mail failing the receiver's checks of its sender (DKIM, SPF, reverse
# DNS, DMARC, a null MX, ARC: RFC 8617) or a flood from our address. The other 5.7.x (5.7.0 "other",
# 5.7.1 "delivery not authorized, message refused", which RFC 3463 says may be per-recipient
# filtering) say only that a policy refused the message.
OUR_CODES = frozenset(
    {(1, 7), (1, 8), (4, 5), *((7, d) for d in (8, 9, 10, 11, 12, 14)), *((7, d) for d in range(20, 30))}
)

# An enhanced status code (RFC 3463: class.subject.detail), at the start of the reply's text
# (RFC 2034) or further on (qmail's "(#5.7.1)"); not inside an IP address (no digit or dot around).
ENHANCED = re.compile(r"(?<![\d.])[245]\.(\d{1,3})\.(\d{1,3})(?![\d.])")
# With no enhanced code: the words of a refusal of us (relaying, the sender, a login).
ABOUT_US_TEXT = re.compile(r"\brelay|\bsender\b|authenticat", re.IGNORECASE)
# After DATA, the words of a refusal of the message itself (its content), not of us: a 5.7.1 "Message
# rejected as spam" or "virus found" is about this message alone. Not "Spamhaus" (our address is
# listed: about us).
CONTENT_TEXT = re.compile(
    r"\bspam\b|\bspammy\b|virus|malware|phish|\bcontent\b|attachment|unsolicited", re.IGNORECASE
)
# ... unless the spam it speaks of is the sender's: our IP address, host or domain listed, or its
# name (Gmail's 5.7.28 "unsolicited mail originating from your IP address"): then every message of
# ours is refused alike, and it is about us.
SENDER_NAME_TEXT = re.compile(
    r"\bIP\b|client host|originating from|reputation|\blisted\b|block ?list|black ?list|deny ?list"
    r"|sending domain|your domain",
    re.IGNORECASE,
)
# A refusal that says it passes: a greylisting or a busy server said with a 5xx's code ("550 5.7.1
# Greylisted, please try again later"). Of us, it waits however often it comes: not a bare refusal.
LATER_TEXT = re.compile(r"try again|\blater\b|greylist|temporar", re.IGNORECASE)
# With no enhanced code, or the undefined X.0.0: the words of a dead address.
ADDRESS_TEXT = re.compile(
    r"unknown|no such|not exist|doesn'?t have|does not have|not found|invalid (?:recipient|address|mailbox)"
    r"|mailbox unavailable|disabled",
    re.IGNORECASE,
)


# The X.7.X of the recipient's mailbox, not of a policy about us (the registry of RFC 3463's codes):
# X.7.13 user account disabled, X.7.17 mailbox owner has changed, X.7.18 domain owner has changed.
MAILBOX_POLICY = ((7, 13), (7, 17), (7, 18))
# X.7.13 "user account disabled": RFC 5248 defines it for a client's account, refused after it logged
# in (our sending account: at AUTH or MAIL FROM, where any 5xx is ours); at RCPT or after DATA a
# receiving server may say it of the recipient's mailbox.
ACCOUNT_DISABLED = (7, 13)
# How the file transport's failure to write a message begins (FileSender): no mail server's reply
UNWRITTEN = "cannot write "
# How a connection that could not be made is said (SmtpSender.connect): no server said anything
CANNOT_CONNECT = "cannot connect to "
# How smtp.ca_file gone or spoilt since the config was read is said (certificates.tls_context): no
# server was tried, our own setting is to fix
CA_FILE_SPOILT = "smtp.ca_file: "
# How a bug of ours in one message's send is said (deliver.lines: "internal error: KeyError: 'x'"):
# no server refused or deferred it; it waits for its retry, the traceback in the log
INTERNAL_ERROR = "internal error: "
# How a message the pass did not offer begins (the server could not be reached before it, ...)
NOT_TRIED = "not tried: "
# How a pass that stopped as the server timed out so many times in a row says it (pacing.Circuit:
# "the server timed out twice in a row during RCPT; stopped for this pass", "3 times in a row" with
# three connections, the count where refusals.stopped says its "refused 3 recipients in a row at RCPT
# TO"), after the messages it did not offer then ("not tried: ..."): the server stopped answering,
# nothing deferred them. Rows stored before said "2 times in a row", and before that the count last
# ("... during RCPT 2 times in a row; stopped for this pass"): read alike (STOPPED_FOR_PASS)
TIMED_OUT_IN_A_ROW = "in a row"
STOPPED_FOR_PASS = "; stopped for this pass"
# How a failure that passes (no server, or none that answered for good) ends the words of its error:
# `digest send`'s line of a pass that reached no server (cli.daily) says when instead, once
TRIED_LATER = "; tried again later"
# How a server that took the connection and never greeted is said (certificates.greeted): no server
# said anything either
NO_GREETING = "took the connection, and timed out before its greeting"
# ... and one that greeted, then fell silent or hung up before any mail (at EHLO, STARTTLS) or after
# our AUTH line (SmtpSender._login; transports.stopped): nothing refused us, no server answered
SILENT_AT_LOGIN = "greeted us, then"  # "timed out" or "hung up", "at the login as ...", "before any mail"
# How a server that was reached and does not take our smtp settings says it (SmtpSender._starttls,
# _login): no STARTTLS, no login, no login method of ours, a login refused or failed otherwise.
# Not a deferral, nor a server that could not be reached: the config is to fix
NO_STARTTLS = "offers no STARTTLS"
NO_LOGIN = "offers no login (AUTH)"
NO_METHOD = "offers no login method of ours"  # AUTH by methods we lack only (GSSAPI, NTLM, XOAUTH2)
LOGIN_FAILED = "took the connection but failed the login"
LOGIN_REFUSED = "authentication failed at the SMTP server"
ACCOUNT_OFF = "but the account is disabled"
# ... and its TLS refused (certificates.tls_refused): a certificate we do not trust, or made out to
# another name; a server that answers in the clear where smtp.security: ssl wants TLS
CERTIFICATE_REFUSED = "the server's certificate is not"
IN_THE_CLEAR = "the server answered in the clear, not in TLS"
# ... and our sender refused at MAIL FROM (a 5xx: refusal): TLS or a login the config lacks,
# smtp.from, our account disabled
SENDER_REFUSED = "refused the sender"
# ... each where our words make it, ahead of any server's reply they quote (a 451 whose own text
# holds such a phrase is a deferral still): after the server's name ("the SMTP server host:port",
# its smtp.security in brackets where said), or first (LOGIN_REFUSED), or after CANNOT_CONNECT's
# head (a TLS refused)
# its smtp.security: "(no TLS)" for none (rows stored before: "(none)"), "(starttls)", "(ssl)"
_SECURITY = r"\((?:no TLS|\w+)\)"
_SERVER = rf"the SMTP server \S+ (?:{_SECURITY} )?"  # its host:port, and its smtp.security where said
SETTINGS_MADE = re.compile(
    "|".join(
        (
            f"{re.escape(LOGIN_REFUSED)} ",
            f"{_SERVER}(?:{'|'.join(map(re.escape, (NO_STARTTLS, NO_LOGIN, NO_METHOD, LOGIN_FAILED)))}"
            f"|{re.escape(SENDER_REFUSED)})",
            f"{_SERVER}took the login as .+? {re.escape(ACCOUNT_OFF)}",
            rf"{re.escape(CANNOT_CONNECT)}the SMTP server \S+ {_SECURITY}: "
            f"(?:{re.escape(CERTIFICATE_REFUSED)}|{re.escape(IN_THE_CLEAR)})",
        )
    )
)
# ... and one that answered our connection with a code before any mail (SMTPConnectError: "421 4.3.2
# busy", "554 5.7.1 no SMTP service here"): reached, busy or refusing us, no setting of ours at fault.
# Rows stored before said it "cannot connect to the SMTP server host:port (security): 421 ..."
ANSWERED_CONNECTION = "answered our connection with"
GREETING_MADE = re.compile(
    rf"(?:{re.escape(CANNOT_CONNECT)}.*? {_SECURITY}: "
    rf"|{_SERVER}{re.escape(ANSWERED_CONNECTION)} )(?=[45]\d\d\b)"
)
# ... and a server reached that never spoke (NO_GREETING): no server said anything, where our words
# make it; and one that stopped answering before any mail or at our login (SILENT_AT_LOGIN)
UNREACHED_MADE = re.compile(f"{_SERVER}{re.escape(NO_GREETING)}")
SILENT_MADE = re.compile(f"{_SERVER}{re.escape(SILENT_AT_LOGIN)}")
# ... and one that fell silent or hung up in a message's transaction before its data (SmtpSender.send:
# "the server timed out during RCPT", "the server hung up during MAIL: ...", "[Errno 104] Connection
# reset by peer during RCPT", "... during the DATA command" (before its 354)), or while our data went,
# before its end (data_lost.DATA_CUT): nothing refused the message, and the server has (the end of)
# none of it. Not a server's reply (which begins with its code), nor one
# lost during DATA (the server may have it)
CUT_MADE = re.compile(
    rf"(?![1-5]\d\d ).*? during (?:MAIL|RCPT|the DATA command|{re.escape(DATA_CUT)})(?:: |$)"
    r"|the server hung up twice\b"
)


def enhanced(reply: str) -> tuple[int, int] | None:
    """The (subject, detail) of the reply's enhanced status code, if it has one."""
    found = ENHANCED.search(reply, 4)  # after the basic code and its space
    return (int(found[1]), int(found[2])) if found else None


def about_address(code: int, reply: str, coded_only: bool = False) -> bool:
    """Does a 5xx refusal say the recipient's address itself is dead? RFC 3463's X.1.X
    (addressing status: 5.1.1 no such user, 5.1.2 bad domain, 5.1.10 null MX ...) but X.1.7 and
    X.1.8 (the sender's address), X.2.1 (mailbox disabled), X.4.1 (Microsoft's "Recipient
    address rejected") and :data:`MAILBOX_POLICY` (account disabled, owner changed). With no
    enhanced code or the undefined X.0.0 (unless ``coded_only``): a 550, 551 or 553 (RFC 5321's
    mailbox refusals), or words of a dead address. Any other
    refusal (5.5.x protocol, 5.3.x mail system, 5.2.2 mailbox full, a plain 554) says nothing of
    the address: that message fails alone, and a server that answers it to everyone suppresses
    no one."""
    status = enhanced(reply)
    if status is not None and status != (0, 0):
        subject, detail = status
        return (subject == 1 and detail not in (7, 8)) or status in ((2, 1), (4, 1), *MAILBOX_POLICY)
    if coded_only:
        return False
    return code in (550, 551, 553) or bool(ADDRESS_TEXT.search(reply, 4))


def about_us(code: int, reply: str) -> bool:
    """Is a 5xx refusal about us (the sender, the relay) rather than the recipient? RFC 3463's
    X.7.X (security or policy: relaying denied, not authorized; but :data:`MAILBOX_POLICY`),
    X.1.7, X.1.8 (the sender's address) and X.4.5 (our sending quota); with no enhanced code, a
    530 (log in first) or words of relaying, the sender or a login."""
    status = enhanced(reply)
    if status is not None:
        return (status[0] == 7 and status not in MAILBOX_POLICY) or status in ((1, 7), (1, 8), (4, 5))
    return code == 530 or bool(ABOUT_US_TEXT.search(reply, 4))


def about_us_after_data(code: int, reply: str) -> bool:
    """Is a 5xx refusal of a message's data about us? As :func:`about_us` says ("550 5.7.1 sender
    not authorized", "550 5.7.26 DMARC", "530 authentication required": every message of ours
    would be refused alike), unless it names the message's content (:data:`CONTENT_TEXT`: spam,
    a virus, an attachment): then it is this message's alone. Spam said of our IP address, host
    or domain (:data:`SENDER_NAME_TEXT`: listed, its reputation) is about us again."""
    if not about_us(code, reply):
        return False
    return not CONTENT_TEXT.search(reply, 4) or bool(SENDER_NAME_TEXT.search(reply, 4))


def about_us_only_by_code(code: int, reply: str) -> bool:
    """Is a refusal of us (:func:`about_us`) one only by its policy code: a 5.7.x (not of
    :data:`OUR_CODES`) that says nothing of us, neither a 530 nor words of relaying, the sender,
    a login, our address's name (:data:`SENDER_NAME_TEXT`) or a wait (:data:`LATER_TEXT`)?
    "554 5.7.1 Rejected", "550 5.7.1 Message not authorized by the recipient's domain": a policy
    refused the message, which may be of us (then it refuses every message of ours alike) or of
    that message alone. At RCPT or after DATA, such a refusal again, after one the server gave
    that message alone (taking our mail before and after it), is that message's own
    (digest.deliver.results.refused_alone_before)."""
    status = enhanced(reply)
    if status is None or status[0] != 7 or status in OUR_CODES or status in MAILBOX_POLICY or code == 530:
        return False
    return not any(words.search(reply, 4) for words in (ABOUT_US_TEXT, SENDER_NAME_TEXT, LATER_TEXT))


def vague(reply: str) -> bool:
    """Is a recorded reply (an outbox's last error: "554 5.7.1 Rejected") a refusal of us only by
    its policy code (:func:`about_us_only_by_code`), at RCPT or after DATA? (One after DATA that
    names the content is final: it is never the last error of a message still queued.)"""
    code = reply[:3]
    if not (code.isdigit() and code.startswith("5")):
        return False
    return about_us_only_by_code(int(code), reply)


def disabled(reply: str) -> bool:
    """Is a recorded reply (an outbox's last error) a 5.7.13, "user account disabled"?"""
    return reply[:1] == "5" and enhanced(reply) == ACCOUNT_DISABLED


# 451/452 replies that mean "you are going too fast" rather than "this message, later".
THROTTLE_TEXT = re.compile(r"too many|rate|throttl|limit|slow down|exceed|busy", re.IGNORECASE)


def classify(code: int, text: bytes | str) -> SendResult:
    """A refusal: 5xx is permanent; 4xx passes (retried later); 421 and "too many" throttle."""
    reply = f"{code} {reply_text(text)}".strip()
    throttled = code == 421 or (code in (451, 452) and bool(THROTTLE_TEXT.search(reply)))
    return SendResult(False, reply, permanent=500 <= code < 600, throttled=throttled)


def refusal(config: SmtpConfig, sender: str, stage: str, code: int, text: bytes) -> SendResult:
    """A refusal at ``stage`` (MAIL, RCPT or DATA) classified: whose fault a 5xx is. At MAIL
    FROM, ours (the sender is refused: every message would be); at RCPT, ours if it says so
    (:func:`about_us`: nobody is suppressed, the message waits; ``vague`` if only its policy code
    says so: :func:`about_us_only_by_code`), the address's if it says so (:func:`about_address`: a
    bounce, suppressed), else that message fails alone; after DATA likewise, but ours only if it is
    not about the message's content (:func:`about_us_after_data`), and a bounce only with an
    address's enhanced code. A 5.7.13 at RCPT or after DATA is ours at first (``account``: see
    :class:`SendResult`)."""
    result = dataclasses.replace(classify(code, text), stage=stage)
    if not result.permanent:
        return result
    if stage == "MAIL":
        sender = parseaddr(sender)[1]
        why = (
            f"the SMTP server {config.host}:{config.port} {SENDER_REFUSED} <{sender}> at MAIL FROM: "
            f"{result.reply}; {_wanted(config, result.reply)}"
        )
        if enhanced(result.reply) == ACCOUNT_DISABLED:
            why = (
                f"the SMTP server {config.host}:{config.port} {SENDER_REFUSED} <{sender}> at MAIL FROM "
                f"as our account disabled: {result.reply}; the server's administrator (the mail "
                "provider) has to enable the account of smtp.username again"
            )
        return dataclasses.replace(result, reply=why, ours=True, sender_refused=True)
    if stage == "RCPT" and about_us(code, result.reply):
        return dataclasses.replace(result, ours=True, vague=about_us_only_by_code(code, result.reply))
    if stage == "DATA" and about_us_after_data(code, result.reply):
        return dataclasses.replace(result, ours=True, vague=about_us_only_by_code(code, result.reply))
    if enhanced(result.reply) == ACCOUNT_DISABLED:  # maybe ours: see SendResult.account
        return dataclasses.replace(result, ours=True, account=True)
    return dataclasses.replace(result, bounce=about_address(code, result.reply, coded_only=stage == "DATA"))


# A refusal at MAIL FROM of a session without TLS, or without a login (RFC 3207, RFC 4954: 530).
TLS_WANTED = re.compile(r"STARTTLS|\bTLS\b|encrypt", re.IGNORECASE)
LOGIN_WANTED = re.compile(r"authenticat|\blog ?in\b", re.IGNORECASE)
# What to set when the server asks for a login the config lacks (:func:`login_wanted`): at MAIL
# FROM, and for recipients refused in a row at RCPT TO (digest.deliver.refusals).
SET_LOGIN = "the server takes mail only after a login: set smtp.username and smtp.password_env"


def _wanted(config: SmtpConfig, reply: str) -> str:
    """What to check after a refusal at MAIL FROM: the setting the server asks for (STARTTLS,
    a login) where the config lacks it, else the sender's address."""
    if config.security == "none" and TLS_WANTED.search(reply):
        return (
            "the server takes mail only over TLS: set smtp.security: starttls (port 587), or ssl if "
            "the server's port is 465"
        )
    if login_wanted(config, reply):
        return SET_LOGIN
    return "check smtp.from (and smtp.username: many servers take only the address they log you in as)"


def login_wanted(config: SmtpConfig, reply: str) -> bool:
    """Does a refusal of us (at MAIL FROM, or at RCPT TO) ask for the login the config lacks: words
    of a login ("530 5.7.0 Authentication required"), with no smtp.username set?"""
    return not config.username and bool(LOGIN_WANTED.search(reply))


def reply_text(value: bytes | str) -> str:
    """A reply's text as a string (a server may send bytes that are not UTF-8)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
