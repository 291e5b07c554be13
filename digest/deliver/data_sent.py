"""A message's data handed to a server after DATA's 354, and its end (SmtpSender's transaction:
transports.py): a gate between the two, and what a transaction withdrawn or quit there returns."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable

from digest.deliver.data_lost import during
from digest.deliver.replies import SendResult


def data(conn: smtplib.SMTP, message: bytes, gate: _Gate | None = None) -> tuple[int, bytes]:
    """SMTP DATA with ``message`` (bytes, carried as they are): what ``conn.data(message)``
    does, without its per-message regular expression where there is nothing to quote; with a
    ``gate``, passed between the data and its end. Our data not all handed over (a reset, a server
    that stopped reading) raises :class:`DataCut`, not smtplib's ``SMTPServerDisconnected``: the
    data's end never went, so nothing was taken.

    smtplib doubles a period that starts a line (RFC 5321 4.5.2) with a regular expression
    run over the whole message (about a tenth of the CPU a 33 KB digest costs the sending
    process). A digest rarely has such a line: one search tells, and only then is it quoted."""
    ask_data(conn)
    return send_data(conn, message, gate)


def ask_data(conn: smtplib.SMTP) -> None:
    """The DATA command, and its 354 (else SMTPDataError): nothing of the message is sent yet."""
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)


def send_data(conn: smtplib.SMTP, message: bytes, gate: _Gate | None = None) -> tuple[int, bytes]:
    """The message's data after DATA's 354 (see :func:`data`), and the server's answer."""
    if message.startswith(b".") or b"\n." in message:
        message = _LEADING_PERIOD.sub(b"..", message)
    end = b".\r\n" if message.endswith(b"\r\n") else b"\r\n.\r\n"
    try:
        if gate is None:
            conn.send(message + end)
        else:
            conn.send(message)
            gate.pass_()
            conn.send(end)
    except smtplib.SMTPServerDisconnected as e:  # smtplib's of a failed sendall: its OSError the context
        raise DataCut(e.__context__ or e) from e
    try:
        return conn.getreply()
    except KeyboardInterrupt as e:  # the data's end is with the server: it may take the message
        raise Unanswered(UNANSWERED) from e


_LEADING_PERIOD = re.compile(rb"(?m)^\.")  # smtplib's own quoting (RFC 5321 4.5.2)


# What SmtpSender.send returns for a transaction its ``ready`` withdrew (nothing was delivered).
WITHDRAWN = SendResult(False, "withdrawn before the end of its data: not delivered")


# A message whose data's end the server has, its answer not waited for: a second Ctrl-C or SIGTERM
# quit the command. Ends as answer_lost expects: the server may have taken it (deferred, sent again
# with the same Message-ID, and a day's digest not made again: digest.deliver.wanted.readdressed).
UNANSWERED = SendResult(
    False,
    "the command quit at once"
    + during("DATA", "its answer was not waited for, so the server may have taken it"),
)


class DataCut(Exception):
    """Our data could not all be handed over (``error``: the connection reset, or the server stopped
    reading until smtp.timeout): its end last, the server never got it, so it has taken nothing."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


class Unanswered(KeyboardInterrupt):
    """A second Ctrl-C or SIGTERM while the server held the answer to a message's data: the
    command quits, and ``result`` (:data:`UNANSWERED`) is what it records for the message."""

    def __init__(self, result: SendResult) -> None:
        super().__init__()
        self.result = result


class _Withdrawn(Exception):
    """``ready`` said no (or raised: the error is the cause) before the end of the data."""


class _Gate:
    """``ready`` called once, between a message's data and its end."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        self.ready = ready

    def pass_(self) -> None:
        try:
            go = self.ready()
        except BaseException as e:
            raise _Withdrawn from e
        if not go:
            raise _Withdrawn
