"""Building messages (MIME, headers) and handing them to a server (SMTP) or a folder (files)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import quote

from digest.config import SmtpConfig
from digest.errors import DeliveryError
from digest.models import Profile
from digest.render import Rendered

log = logging.getLogger(__name__)


def message_id(user: str, paper_ids: Iterable[int], sender: str) -> str:
    """The same digest (reader + papers) always gets the same Message-ID, so a re-send folds."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    token = hashlib.sha256(f"{user}:{','.join(map(str, paper_ids))}".encode()).hexdigest()[:20]
    return f"<digest.{token}@{domain}>"


def unsubscribe_links(profile: Profile, sender: str, base_url: str | None) -> dict[str, str]:
    address = parseaddr(sender)[1]
    mailto = f"mailto:{address}?subject={quote('unsubscribe ' + profile.user)}"
    links = {"unsubscribe_mailto": mailto, "unsubscribe": mailto}
    if base_url:
        links["unsubscribe"] = f"{base_url}/u/{quote(profile.user)}/unsubscribe"
        links["preferences"] = f"{base_url}/u/{quote(profile.user)}"
    return links


def build_message(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part last (the preferred one)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(display_name=profile.name or "", addr_spec=profile.email)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = msg_id
    unsubscribe = [f"<{links['unsubscribe_mailto']}>"]
    if links.get("unsubscribe", "").startswith("http"):
        unsubscribe.insert(0, f"<{links['unsubscribe']}>")
    msg["List-Unsubscribe"] = ", ".join(unsubscribe)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Digest-User"] = profile.user
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


@dataclass(frozen=True)
class SendResult:
    ok: bool
    reply: str  # the server's reply, or why the message could not be handed over


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

    def send(self, msg: EmailMessage) -> SendResult:
        for attempt in (1, 2):
            if self.conn is None:
                try:
                    self.connect()
                except DeliveryError as e:
                    return SendResult(False, str(e))
            assert self.conn is not None
            try:
                refused = self.conn.send_message(msg)
            except smtplib.SMTPServerDisconnected as e:
                self.conn = None
                if attempt == 2:
                    return SendResult(False, f"the server hung up: {_why(e)}")
                continue
            except smtplib.SMTPRecipientsRefused as e:
                code, text = next(iter(e.recipients.values()))
                return SendResult(False, f"{code} {_text(text)}")
            except smtplib.SMTPResponseException as e:
                return SendResult(False, f"{e.smtp_code} {_text(e.smtp_error)}")
            except (OSError, smtplib.SMTPException) as e:
                self.conn = None
                return SendResult(False, _why(e))
            if refused:
                code, text = next(iter(refused.values()))
                return SendResult(False, f"{code} {_text(text)}")
            return SendResult(True, "250 accepted")
        return SendResult(False, "unreachable")


class FileSender:
    """Writes each message as an .eml file: for dry runs and for users with no SMTP server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileSender:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send(self, msg: EmailMessage) -> SendResult:
        user = msg["X-Digest-User"] or "message"
        path = self.folder / f"{user}.eml"
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(msg.as_bytes())
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
