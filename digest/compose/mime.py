"""The bytes of a digest message, written directly: the same bytes as the email package's.

:func:`digest.compose.message.build_message` builds an ``EmailMessage`` and the generator flattens it:
some 20 header parses and refolds, and a tree walk, per message. :func:`message_bytes` writes
the same multipart/alternative message straight to bytes, with the standard library's own
pieces where they decide something: :func:`encode_text` takes ``email.contentmanager.
_encode_text``'s steps one by one (the same choice of 7bit, 8bit, quoted-printable or base64;
its base64 encoder; quoprimime's table and line breaking, with a faster quoting: that was half
the time); the boundary has the generator's format; the headers and part headers that are the
same in every message are folded once by the email package and kept.

A header is written directly only when that is certainly what the email package would write:
printable ASCII, no encoded-word marker (``=?``), on one line (``len("Name: value") <=
max_line_length``). Anything else (a non-ASCII or long subject or name, a display name that
needs quoting, a long Message-ID, an odd List-Unsubscribe) is folded by the email package,
header by header, exactly as the generator would fold it (``policy.fold_binary`` of the
header that ``policy.header_store_parse`` makes), and counted in :data:`FALLBACKS`.
tests/compose/test_mime.py compares the two byte for byte on many hostile messages.
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import re
from collections import Counter
from email import quoprimime
from email._header_value_parser import SPECIALS  # a display name with one is quoted (Address)
from email.contentmanager import _encode_base64  # type: ignore[attr-defined]
from email.generator import Generator
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from digest.compose.message import MAIL_POLICY, message_headers
from digest.compose.render import Rendered
from digest.models import Profile

CRLF_POLICY = MAIL_POLICY.clone(linesep="\r\n")  # what the outbox stores: the bytes SMTP carries
MAX = CRLF_POLICY.max_line_length

FALLBACKS: Counter[str] = Counter()  # headers handed to the email package (not the constant ones)

_PLAIN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")  # printable ASCII, no edge spaces
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_ADDR_SPEC = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
_MSG_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} [1-9]\d{3} \d\d:\d\d:\d\d [+-]\d{4}")
_BOUNDARY = re.compile(r"={15}\d{19}==(?:\.\d+)?")  # email.generator's own format


def message_bytes(
    rendered: Rendered,
    profile: Profile,
    sender: str,
    msg_id: str,
    now: dt.datetime,
    links: dict[str, str],
    boundary: str | None = None,
) -> bytes:
    """``build_message(...).as_bytes(policy=CRLF_POLICY)``, byte for byte, without the tree.

    ``boundary``: the multipart boundary, as ``EmailMessage.set_boundary`` would set it (for
    comparisons); by default a new one in the generator's format, drawn again while it occurs
    in a body (the generator's own check looks for it on LF lines, which CRLF output never has).
    """
    text_cte, text = encode_text(rendered.text)
    html_cte, html = encode_text(rendered.html)
    bodies = (text, html)
    if boundary is None:
        boundary = Generator._make_boundary()
        while any(boundary.encode("ascii") in b for b in bodies):
            boundary = Generator._make_boundary()
    elif any(f"--{boundary}".encode("ascii", "surrogateescape") in b for b in bodies):
        raise ValueError(f"the boundary {boundary!r} occurs in the message")
    head = [_header(n, v) for n, v in message_headers(rendered, profile, sender, msg_id, now, links)]
    delimiter = b"--" + boundary.encode("ascii", "surrogateescape")
    return b"".join(
        (
            *head,
            _constant("MIME-Version", "1.0"),
            _multipart(boundary),
            b"\r\n",
            delimiter,
            b"\r\n",
            _part_headers("plain", text_cte, moved=True),
            b"\r\n",
            bodies[0],
            b"\r\n",
            delimiter,
            b"\r\n",
            _part_headers("html", html_cte, moved=False),
            b"\r\n",
            bodies[1],
            b"\r\n",
            delimiter,
            b"--\r\n",
        )
    )


def encode_text(text: str) -> tuple[str, bytes]:
    """The transfer encoding and the body bytes of ``set_content(text, charset="utf-8")``, as the
    generator writes them (CRLF): ``email.contentmanager._encode_text`` step for step, with a
    faster quoted-printable quoting (the same output: tests/compose/test_mime.py checks it against it)."""
    lines = text.encode("utf-8").splitlines()  # bytes: only CR, LF and CRLF break lines
    if max((len(x) for x in lines), default=0) <= MAX:
        body = b"\n".join(lines) + b"\n"
        if body.isascii():
            return "7bit", body.replace(b"\n", b"\r\n")
        if MAIL_POLICY.cte_type == "8bit":
            return "8bit", body.replace(b"\n", b"\r\n")
    sniff = b"\n".join(lines[:10]) + b"\n"  # the policy's linesep is LF
    sniff_qp = _qp_encode(sniff)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        data = _encode_base64(b"\n".join(lines) + b"\n", MAX)
        return "base64", data.encode("ascii").replace(b"\n", b"\r\n")
    data = sniff_qp if len(lines) <= 10 else _qp_encode(b"\n".join(lines) + b"\n")
    return "quoted-printable", data.encode("ascii").replace(b"\n", b"\r\n")


_QP_MAP = quoprimime._QUOPRI_BODY_ENCODE_MAP  # type: ignore[attr-defined]
_QP_KEPT = bytes(c for c in range(256) if _QP_MAP[c] == chr(c))  # written as they are


def _qp_quote(data: bytes) -> str:
    """``data.decode("latin-1").translate(quoprimime._QUOPRI_BODY_ENCODE_MAP)``, with one fast
    ``str.replace`` per distinct quoted byte instead of a lookup per character ("=" first: the
    "=XX" that the others become must stay as they are)."""
    body = data.decode("latin-1").replace("=", "=3D")
    for byte in set(data.translate(None, _QP_KEPT)) - {0x3D}:
        body = body.replace(chr(byte), _QP_MAP[byte])
    return body


def _qp_encode(data: bytes, maxlinelen: int = MAX) -> str:
    """``quoprimime.body_encode(data.decode("latin-1"), maxlinelen)`` (eol LF), line for line,
    with :func:`_qp_quote`."""
    if not data:
        return ""
    body = _qp_quote(data)
    soft_break = "=\n"
    maxlinelen1 = maxlinelen - 1
    encoded_body: list[str] = []
    append = encoded_body.append
    for line in body.splitlines():
        start = 0
        laststart = len(line) - 1 - maxlinelen
        while start <= laststart:
            stop = start + maxlinelen1
            if line[stop - 2] == "=":  # never break an escape sequence
                append(line[start : stop - 1])
                start = stop - 2
            elif line[stop - 1] == "=":
                append(line[start:stop])
                start = stop - 1
            else:
                append(line[start:stop] + "=")
                start = stop
        if line and line[-1] in " \t":  # whitespace at the end of a line is quoted
            room = start - laststart
            if room >= 3:
                q = quoprimime.quote(line[-1])
            elif room == 2:
                q = line[-1] + soft_break
            else:
                q = soft_break + quoprimime.quote(line[-1])
            append(line[start:-1] + q)
        else:
            append(line[start:])
    if body[-1] in "\r\n":
        append("")
    return "\n".join(encoded_body)


def _header(name: str, value: Any) -> bytes:
    """One header as the generator would write it: directly when plain, else by the email package."""
    if name == "To" and isinstance(value, Address):
        line = _address(value)
    elif name == "Date":
        line = value if _DATE.fullmatch(value) else None  # format_datetime: parses back to itself
    elif name == "Message-ID":
        line = value if _MSG_ID.fullmatch(value) and "=?" not in value else None
    elif name == "List-Unsubscribe":  # MAIL_POLICY folds it between its URLs, whatever the length
        if isinstance(value, str) and _PLAIN.fullmatch(value) and "=?" not in value:
            return CRLF_POLICY.fold_binary(name, value)  # the header's str is the value itself
        line = None
    elif name == "From":
        return _constant(name, value)  # the configured sender: the same in every message
    elif name in ("Subject", "Auto-Submitted", "List-Unsubscribe-Post", "X-Digest-User"):
        line = value if _PLAIN.fullmatch(value) and "=?" not in value else None  # unstructured
    else:
        line = None
    if line is not None and len(name) + 2 + len(line) <= MAX:
        return f"{name}: {line}\r\n".encode("ascii")
    FALLBACKS[name] += 1
    return _fold(name, value)


def _address(value: Address) -> str | None:
    """``str(Address)`` for a plain ASCII name and address; None for anything else."""
    addr, name = value.addr_spec, value.display_name
    if not _ADDR_SPEC.fullmatch(addr) or "=?" in addr:
        return None
    if not name:
        return addr
    if not _PLAIN.fullmatch(name) or "=?" in name or "  " in name:
        return None
    if not SPECIALS.isdisjoint(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _fold(name: str, value: Any) -> bytes:
    """The email package: the header ``msg[name] = value`` stores, folded as the generator folds it."""
    return CRLF_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))


@functools.lru_cache(maxsize=64)
def _constant(name: str, value: str) -> bytes:
    """A header that is the same in every message (or every run): folded once."""
    return _fold(name, value)


def _multipart(boundary: str) -> bytes:
    """The top Content-Type, as the generator writes it after ``set_boundary``."""
    if _BOUNDARY.fullmatch(boundary):
        return f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii")
    FALLBACKS["Content-Type"] += 1
    return _fold("Content-Type", f'multipart/alternative; boundary="{boundary}"')


@functools.lru_cache(maxsize=32)
def _part_headers(subtype: str, cte: str, moved: bool) -> bytes:
    """A part's headers, from a part the email package built the same way (folded once).

    ``moved``: the text part was the message's own content, moved into the first part by
    ``add_alternative`` (its content headers only); the HTML part is a new EmailMessage, which
    ``set_content`` gives a MIME-Version of its own."""
    part = EmailMessage(policy=MAIL_POLICY)
    part.set_content("", subtype=subtype, charset="utf-8", cte=cte)
    return b"".join(
        CRLF_POLICY.fold_binary(n, v)
        for n, v in part.raw_items()
        if not moved or n.lower().startswith("content-")
    )
