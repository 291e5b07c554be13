"""A message larger than the server's SIZE (RFC 1870): not sent, the server would refuse it."""

from __future__ import annotations

import dataclasses
import re
import smtplib

from digest.deliver.replies import SendResult, enhanced

NO_FEWER = "a digest cannot hold fewer papers"  # a one-paper digest over SIZE: none fits the server


def fits_no_digest(error: str) -> bool:
    """Is ``error`` (a failed message's last) a one-paper digest over the server's SIZE: a digest
    sent again (`digest send --force`) fails the same way until the server's limit is raised?"""
    return NO_FEWER in error


def readable(size: str) -> bool:
    """Is ``size`` (SIZE's parameter, as smtplib read the EHLO: latin-1) a number, RFC 1870's ASCII
    digits? One that is not ("²", a superscript str.isdigit takes and int refuses; "10M") says no limit
    we can read: the message goes as to a server without SIZE, whose refusal (552) is then said."""
    return size.isascii() and size.isdigit()


def over_size(conn: smtplib.SMTP, message: bytes, papers: int = 0) -> SendResult | None:
    """A message larger than the server's SIZE (its EHLO's fixed maximum), refused for good.
    Fewer papers make a smaller digest, but for one of ``papers`` 1: a digest holds at least one,
    so only the server's limit (or smaller templates) lets such a digest through."""
    size = conn.esmtp_features.get("size", "")
    if not readable(size) or not 0 < int(size) < len(message):  # SIZE 0, none or unreadable: no limit said
        return None
    if papers == 1:
        return SendResult(
            False,
            f"the message is {len(message):,} bytes with one paper, more than the server takes (its SIZE: "
            f"{int(size):,} bytes): not sent; {NO_FEWER}: the server's message size "
            "limit has to be raised (by its administrator), or the digest's templates made smaller "
            "(templates: in the config)",
            permanent=True,
        )
    return SendResult(
        False,
        f"the message is {len(message):,} bytes, more than the server takes (its SIZE: {int(size):,} bytes): "
        "not sent; fewer papers (max_papers in the reader's profile) make a smaller digest",
        permanent=True,
    )


# RFC 3463's codes of a message too big: 5.3.4 for the system, 5.2.3 over an administrative limit
TOO_BIG_CODES = frozenset({(3, 4), (2, 3)})
# with no enhanced code, a 552's words of its size ("552 Message size exceeds fixed maximum")
TOO_BIG_TEXT = re.compile(r"too (big|large)|\bsize\b|message length", re.IGNORECASE)
# ... but not of the recipient's mailbox full ("552 Mailbox size limit exceeded", "quota"): RFC 5321's
# 552 is also "exceeded storage allocation", which fewer papers do not mend
MAILBOX_TEXT = re.compile(r"mailbox|quota|storage|over ?quota|disk", re.IGNORECASE)


def refused_as_too_big(result: SendResult, message: bytes, papers: int = 0) -> SendResult:
    """A final refusal after the data of a message too big (552 5.3.4), from a server that said
    no SIZE we could read (:func:`over_size` stops the message otherwise): the server's words,
    then the message's size and what makes a digest fit, as over_size says it; else ``result``."""
    status = enhanced(result.reply)
    too_big = status in TOO_BIG_CODES or (
        status is None
        and result.reply.startswith("552")
        and TOO_BIG_TEXT.search(result.reply, 4) is not None
        and MAILBOX_TEXT.search(result.reply, 4) is None
    )
    if not (result.final and too_big):
        return result
    if papers == 1:
        then = (
            f"the message was {len(message):,} bytes with one paper: {NO_FEWER}: the server's message "
            "size limit has to be raised (by its administrator), or the digest's templates made "
            "smaller (templates: in the config)"
        )
    else:
        then = (
            f"the message was {len(message):,} bytes: fewer papers (max_papers in the reader's "
            "profile) make a smaller digest"
        )
    return dataclasses.replace(result, reply=f"{result.reply}; {then}")
