"""A digest's message: its Message-ID, its unsubscribe links, its headers, the EmailMessage."""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import re
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy, Policy
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

from digest.compose.ascii_html import ascii_html
from digest.compose.render import Rendered
from digest.models import Profile
from digest.signing import Signer

# 64 random bits a Message-ID, from a generator seeded once from os.urandom (and afresh in a
# forked child): unique without a system call per message. They need not be secret.
_IDS = random.Random()
os.register_at_fork(after_in_child=_IDS.seed)


def message_id(user: str, now: dt.datetime, sender: str) -> str:
    """A new, unique Message-ID; the outbox keeps it, so a re-send of the same message reuses it."""
    domain = _address_of(sender).rpartition("@")[2] or "localhost"
    return f"<digest.{now:%Y%m%d%H%M%S}.{_IDS.getrandbits(64):016x}.{_safe(user)}@{domain}>"


@functools.lru_cache(maxsize=64)
def _address_of(sender: str) -> str:
    """The address in a From value (the configured sender: parsed once)."""
    return parseaddr(sender)[1]


def _safe(user: str) -> str:
    """ASCII only: a Message-ID with "josé" in it cannot be written at all (UnicodeEncodeError)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in user)


def unsubscribe_links(
    profile: Profile,
    sender: str,
    base_url: str | None,
    signer: Signer | None = None,
    issued: dt.datetime | None = None,
) -> dict[str, str]:
    """The mailto fallback always; with a base_url and a signing secret, the reader's signed pages
    (signed at ``issued``, the message's time: the link then opens only the reader it was made for).

    ``more`` and ``less`` are the starts of each paper's rating links (the paper's id follows):
    they open a page with a button (digest.web.ratings); following them changes nothing."""
    address = _address_of(sender)
    mailto = f"mailto:{address}?subject={quote('unsubscribe ' + profile.user)}"
    links = {"unsubscribe_mailto": mailto, "unsubscribe": mailto}
    if base_url and signer is not None:
        if issued is None:
            raise ValueError("signed links need the time they are signed at (issued)")
        page = f"{base_url}/u/{signer.token(profile.user, issued)}"
        links["preferences"] = page
        links["unsubscribe"] = f"{page}/unsubscribe"
        links["more"] = f"{page}/more/"
        links["less"] = f"{page}/less/"
    return links


def fold_list_unsubscribe(name: str, value: str, linesep: str) -> str:
    """A List-Unsubscribe header folded between its URLs only, one ``<URL>`` a line.

    The email package's own folding would turn a URL longer than a line into RFC 2047 encoded
    words, which no mail client reads as a link (RFC 2369 says to fold at whitespace; lines may
    reach 998 octets)."""
    urls = re.split(r",\s*(?=<)", " ".join(value.split()))
    return f"{name}: " + f",{linesep} ".join(urls) + linesep


class ListUnsubscribeHeader(UnstructuredHeader):
    """The List-Unsubscribe header class of :data:`MAIL_POLICY` (through its header registry):
    unstructured, folded by :func:`fold_list_unsubscribe` (``fold`` is the header's public
    folding method, which the policy calls when the generator writes the header)."""

    def fold(self, *, policy: Policy) -> str:
        return fold_list_unsubscribe(self.name, str(self), policy.linesep)  # type: ignore[attr-defined]


def _headers() -> HeaderRegistry:
    registry = HeaderRegistry()
    registry.map_to_type("List-Unsubscribe", ListUnsubscribeHeader)
    return registry


# The email package's default policy, with List-Unsubscribe folded between its URLs only.
MAIL_POLICY = EmailPolicy(header_factory=_headers())


def message_headers(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> list[tuple[str, Any]]:
    """The top-level headers of a digest, in order (the MIME ones come with the content).

    Shared by :func:`build_message` and :func:`digest.compose.mime.message_bytes`, so the two cannot drift."""
    unsubscribe = [f"<{links['unsubscribe_mailto']}>"]
    if links.get("unsubscribe", "").startswith("http"):
        unsubscribe.insert(0, f"<{links['unsubscribe']}>")
    headers: list[tuple[str, Any]] = [
        ("From", sender),
        ("To", _to(profile.name or "", profile.email)),
        ("Subject", rendered.subject),
        ("Date", _date(now)),
        ("Message-ID", msg_id),
        ("List-Unsubscribe", ", ".join(unsubscribe)),
    ]
    if len(unsubscribe) > 1:
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))  # RFC 8058: POST to the URL
    headers += [("Auto-Submitted", "auto-generated"), ("X-Digest-User", profile.user)]
    return headers


_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def _to(name: str, email: str) -> Address:
    """``Address(display_name=name, addr_spec=email)``; a plain dot-atom address is split at its
    "@" here, which is what the email package's parse of it gives, without the parse."""
    local, at, domain = email.rpartition("@")
    if at and _DOT_ATOM.fullmatch(local) and _DOT_ATOM.fullmatch(domain) and "=?" not in email:
        return Address(display_name=name, username=local, domain=domain)
    return Address(display_name=name, addr_spec=email)


@functools.lru_cache(maxsize=64)
def _date(now: dt.datetime) -> str:
    """The Date header of the messages made at ``now`` (a run makes them all at one ``now``)."""
    return format_datetime(now)


def build_message(
    rendered: Rendered, profile: Profile, sender: str, msg_id: str, now: dt.datetime, links: dict[str, str]
) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part last (the preferred one), 7bit
    when :func:`~digest.compose.ascii_html.ascii_html` can write it so.

    For the bytes to send, :func:`digest.compose.mime.message_bytes` writes the same bytes ~5x faster."""
    msg = EmailMessage(policy=MAIL_POLICY)
    for name, value in message_headers(rendered, profile, sender, msg_id, now, links):
        msg[name] = value
    msg.set_content(rendered.text, charset="utf-8")
    ascii = ascii_html(rendered.html)  # 7bit: the same document in ASCII (digest.compose.ascii_html)
    if ascii is None:
        msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    else:
        msg.add_alternative(ascii, subtype="html", charset="utf-8", cte="7bit")
    return msg
