"""Building messages (MIME, headers) and handing them to a server (SMTP) or a folder (files)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from digest.config import SmtpConfig
from digest.errors import DeliveryError
from digest.models import Profile
from digest.render import Rendered
from digest.tokens import Signer

log = logging.getLogger(__name__)


def message_id(user: str, now: dt.datetime, sender: str) -> str:
    """A new, unique Message-ID; the outbox keeps it, so a re-send of the same message reuses it."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<digest.{now:%Y%m%d%H%M%S}.{uuid.uuid4().hex[:16]}.{_safe(user)}@{domain}>"


def _safe(user: str) -> str:
    """ASCII only: a Message-ID with "josé" in it cannot be written at all (UnicodeEncodeError)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in user)


def unsubscribe_links(
    profile: Profile, sender: str, base_url: str | None, signer: Signer | None = None
) -> dict[str, str]:
    """The mailto fallback always; with a base_url and a signing secret, the reader's signed pages."""
    address = parseaddr(sender)[1]
    mailto = f"mailto:{address}?subject={quote('unsubscribe ' + profile.user)}"
    links = {"unsubscribe_mailto": mailto, "unsubscribe": mailto}
    if base_url and signer is not None:
        page = f"{base_url}/u/{signer.token(profile.user)}"
        links["preferences"] = page
        links["unsubscribe"] = f"{page}/unsubscribe"
    return links


class _MailPolicy(EmailPolicy):
    """The default policy, except that List-Unsubscribe is folded only between its URLs.

    The default would turn a URL longer than a line into RFC 2047 encoded words, which no mail
    client reads as a link (RFC 2369 says to fold at whitespace; lines may reach 998 octets).
    """

    def _fold(self, name: str, value: Any, refold_binary: bool = False) -> str:
        if name.lower() == "list-unsubscribe":
            urls = re.split(r",\s*(?=<)", " ".join(str(value).split()))
            return f"{name}: " + f",{self.linesep} ".join(urls) + self.linesep
        return super()._fold(name, value, refold_binary)  # type: ignore[misc]


MAIL_POLICY = _MailPolicy()


def message_headers(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> list[tuple[str, Any]]:
    """The top-level headers of a digest, in order (the MIME ones come with the content).

    Shared by :func:`build_message` and :func:`digest.mime.message_bytes`, so the two cannot drift."""
    unsubscribe = [f"<{links['unsubscribe_mailto']}>"]
    if links.get("unsubscribe", "").startswith("http"):
        unsubscribe.insert(0, f"<{links['unsubscribe']}>")
    headers: list[tuple[str, Any]] = [
        ("From", sender),
        ("To", Address(display_name=profile.name or "", addr_spec=profile.email)),
        ("Subject", rendered.subject),
        ("Date", format_datetime(now)),
        ("Message-ID", msg_id),
        ("List-Unsubscribe", ", ".join(unsubscribe)),
    ]
    if len(unsubscribe) > 1:
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))  # RFC 8058: POST to the URL
    headers += [("Auto-Submitted", "auto-generated"), ("X-Digest-User", profile.user)]
    return headers


def build_message(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part last (the preferred one).

    For the bytes to send, :func:`digest.mime.message_bytes` writes the same bytes ~5x faster."""
    msg = EmailMessage(policy=MAIL_POLICY)
    for name, value in message_headers(rendered, profile, sender, msg_id, now, links):
        msg[name] = value
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


@dataclass(frozen=True)
class Envelope:
    """What a sender needs: the exact bytes and who they go to."""

    message_id: str
    user: str
    sender: str  # the From header's address (envelope sender)
    recipient: str
    data: bytes


@dataclass(frozen=True)
class SendResult:
    ok: bool
    reply: str  # the server's reply, or why the message could not be handed over
    permanent: bool = False  # a 5xx refusal: trying again will not help
    throttled: bool = False  # the server asked us to slow down (421, or 451/452 "too many ...")
    unreachable: bool = False  # no connection could be made: the server is down or never answered


# 451/452 replies that mean "you are going too fast" rather than "this message, later".
THROTTLE_TEXT = re.compile(r"too many|rate|throttl|limit|slow down|exceed|busy", re.IGNORECASE)


def classify(code: int, text: bytes | str) -> SendResult:
    """A refusal: 5xx is permanent; 4xx passes (retried later); 421 and "too many" throttle."""
    reply = f"{code} {_text(text)}".strip()
    throttled = code == 421 or (code in (451, 452) and bool(THROTTLE_TEXT.search(reply)))
    return SendResult(False, reply, permanent=500 <= code < 600, throttled=throttled)


class _Stale(Exception):
    """A reused connection turned out closed before this message's transaction began."""


class SmtpSender:
    """One SMTP connection reused for many messages, one message (one recipient) at a time.

    The connection opens on the first message. A reused connection found closed before the
    message's transaction starts is reopened once at once (nothing of the message was sent).
    Any passing failure (4xx, hang-up, timeout) closes the connection, so the next message,
    and the retry, start on a fresh one. A 5xx refusal resets the session and keeps it.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        c = self.config
        try:
            if c.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                if c.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            password = c.password()
            if c.username and password is not None:
                conn.login(c.username, password)
            conn.ehlo_or_helo_if_needed()
        except (OSError, smtplib.SMTPException) as e:
            raise DeliveryError(
                f"cannot connect to the SMTP server {c.host}:{c.port} ({c.security}): {_why(e)}; "
                "check smtp.host, smtp.port and smtp.security in the config"
            ) from None
        self.conn = conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                self.conn.close()
            self.conn = None

    def drop(self) -> None:
        """Forget the connection without the courtesy of QUIT (it failed, or the server is gone)."""
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def send(self, mail: Envelope) -> SendResult:
        for _ in (1, 2):
            reused = self.conn is not None
            if not reused:
                try:
                    self.connect()
                except DeliveryError as e:
                    return SendResult(False, str(e), unreachable=True)
            try:
                return self._transaction(mail, reused)
            except _Stale:
                self.drop()
        return SendResult(False, "the server hung up twice before the message could be sent")

    def _transaction(self, mail: Envelope, reused: bool) -> SendResult:
        conn = self.conn
        assert conn is not None
        stage = "MAIL"
        try:
            code, text = conn.mail(parseaddr(mail.sender)[1])
            if code == 250:
                stage = "RCPT"
                code, text = conn.rcpt(mail.recipient)
            if code in (250, 251):
                stage = "DATA"
                code, text = conn.data(mail.data)
        except smtplib.SMTPServerDisconnected as e:
            if reused and stage == "MAIL":
                raise _Stale from e
            self.drop()
            return SendResult(False, f"the server hung up during {stage}: {_why(e)}")
        except smtplib.SMTPResponseException as e:  # DATA refused before the message was sent
            code, text = e.smtp_code, e.smtp_error
        except (OSError, smtplib.SMTPException) as e:
            self.drop()
            return SendResult(False, f"{_why(e)} during {stage}")
        if code == 250:
            return SendResult(True, f"{code} {_text(text)}".strip())
        result = classify(code, text)
        if result.permanent:
            try:
                conn.rset()
            except (OSError, smtplib.SMTPException):
                self.drop()
        else:
            self.drop()
        return result


class FileSender:
    """Writes each message as an .eml file: for dry runs and for users with no SMTP server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileSender:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send(self, mail: Envelope) -> SendResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        token = mail.message_id.strip("<>").partition("@")[0]
        path = self.folder / f"{token}.eml"
        tmp = path.with_suffix(".eml.tmp")
        with open(tmp, "wb") as f:
            f.write(mail.data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
        return SendResult(True, f"written to {path}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _why(e: BaseException) -> str:
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(e, smtplib.SMTPResponseException):
        return f"{e.smtp_code} {_text(e.smtp_error)}"
    return str(e) or type(e).__name__
