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
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in user)


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


def build_message(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part last (the preferred one)."""
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = sender
    msg["To"] = Address(display_name=profile.name or "", addr_spec=profile.email)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = msg_id
    unsubscribe = [f"<{links['unsubscribe_mailto']}>"]
    if links.get("unsubscribe", "").startswith("http"):
        unsubscribe.insert(0, f"<{links['unsubscribe']}>")
    msg["List-Unsubscribe"] = ", ".join(unsubscribe)
    if len(unsubscribe) > 1:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: POST to the URL
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Digest-User"] = profile.user
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


class SmtpSender:
    """One SMTP connection reused for a batch; reconnects once if the server hangs up."""

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

    def send(self, mail: Envelope) -> SendResult:
        for attempt in (1, 2):
            if self.conn is None:
                try:
                    self.connect()
                except DeliveryError as e:
                    return SendResult(False, str(e))
            assert self.conn is not None
            try:
                refused = self.conn.sendmail(parseaddr(mail.sender)[1], [mail.recipient], mail.data)
            except smtplib.SMTPServerDisconnected as e:
                self.conn = None
                if attempt == 2:
                    return SendResult(False, f"the server hung up: {_why(e)}")
                continue
            except smtplib.SMTPRecipientsRefused as e:
                code, text = next(iter(e.recipients.values()))
                return _refusal(code, text)
            except smtplib.SMTPResponseException as e:
                return _refusal(e.smtp_code, e.smtp_error)
            except (OSError, smtplib.SMTPException) as e:
                self.conn = None
                return SendResult(False, _why(e))
            if refused:
                code, text = next(iter(refused.values()))
                return _refusal(code, text)
            return SendResult(True, "250 accepted")
        return SendResult(False, "unreachable")


def _refusal(code: int, text: bytes | str) -> SendResult:
    return SendResult(False, f"{code} {_text(text)}", permanent=500 <= code < 600)


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
