"""The bytes of a digest message, written directly: the same bytes as the email package's.

:func:`digest.compose.message.build_message` builds an ``EmailMessage`` and the generator flattens it:
some 20 header parses and refolds, and a tree walk, per message. :func:`message_bytes` writes
the same multipart/alternative message straight to bytes. It is our own writer, built on
public functions only (``binascii``, ``str(Address)``, the policy's ``header_store_parse`` and
``fold_binary``): :func:`encode_text` makes the choice ``EmailMessage.set_content(text,
charset="utf-8")`` makes (7bit, 8bit, quoted-printable or base64, the shorter of the last two
on the first ten lines) and writes the body the way the email package does (base64 lines of
57 bytes; quoted-printable per RFC 2045 with soft breaks at the policy's line length, line by
line, each line quoted once per process: a digest's lines come back reader after reader, and
quoting them was a tenth of a message's time); :func:`new_boundary`
draws a boundary in the shape the generator gives its own; List-Unsubscribe is folded by
:func:`~digest.compose.message.fold_list_unsubscribe`, as MAIL_POLICY's header class folds it;
the headers and part headers that are the same in every message are folded once by the email
package and kept.

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
import os
import random
import re
from collections import Counter
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from digest.compose.ascii_html import ascii_html
from digest.compose.message import MAIL_POLICY, fold_list_unsubscribe, message_headers
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
_BOUNDARY = re.compile(r"={15}\d{19}==(?:\.\d+)?")  # the shape email.generator gives its own


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
    comparisons); by default a new one (:func:`new_boundary`), drawn again while it occurs in a
    body (the generator's own check looks for it on LF lines, which CRLF output never has).
    """
    text_cte, text = encode_text(rendered.text)
    html_cte, html = encode_html(rendered.html)
    bodies = (text, html)
    if boundary is None:
        boundary = new_boundary()
        while any(boundary.encode("ascii") in b for b in bodies):
            boundary = new_boundary()
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


_BOUNDARIES = random.Random()  # seeded from os.urandom, and afresh in a forked child
os.register_at_fork(after_in_child=_BOUNDARIES.seed)


def new_boundary() -> str:
    """A random multipart boundary, in the shape the email package's generator gives its own:
    15 "=", 19 digits, "==" (so a message looks the same whichever way it was written)."""
    return f"{'=' * 15}{_BOUNDARIES.randrange(10**19):019d}=="


def encode_text(text: str) -> tuple[str, bytes]:
    """The transfer encoding and the body bytes of ``set_content(text, charset="utf-8")``, as the
    generator writes them (CRLF). tests/compose/test_mime.py checks them against the email package."""
    lines = text.encode("utf-8").splitlines()  # bytes: only CR, LF and CRLF break lines
    if max(map(len, lines), default=0) <= MAX:
        body = b"\n".join(lines) + b"\n"
        if body.isascii():
            return "7bit", body.replace(b"\n", b"\r\n")
        if MAIL_POLICY.cte_type == "8bit":
            return "8bit", body.replace(b"\n", b"\r\n")
    # Neither: the shorter of quoted-printable and base64 on the first ten lines (LF) wins.
    quoted = _qp_cached(lines)
    sniffed = sum(map(len, lines[:10])) + len(lines[:10])  # bytes in the first ten lines, LF ends
    if sum(map(len, quoted[:10])) + len(quoted[:10]) > 4 * ((sniffed + 2) // 3) + 1:  # b2a_base64's
        return "base64", _base64(b"\n".join(lines) + b"\n")
    return "quoted-printable", (b"\n".join(quoted) + b"\n").replace(b"\n", b"\r\n")


def encode_html(html: str) -> tuple[str, bytes]:
    """An HTML body: 7bit as :func:`~digest.compose.ascii_html.ascii_html` writes it (the same
    document in ASCII, short enough lines), else as :func:`encode_text` encodes any text."""
    ascii = ascii_html(html)
    if ascii is None:
        return encode_text(html)
    body = ascii if ascii.endswith("\n") else ascii + "\n"  # set_content(cte="7bit")'s last line end
    return "7bit", body.encode("ascii").replace(b"\n", b"\r\n")


def _base64(data: bytes) -> bytes:
    """Base64 in CRLF lines of at most MAX characters (57 bytes a line when MAX is 76 to 79)."""
    step = MAX // 4 * 3
    lines = (binascii.b2a_base64(data[i : i + step], newline=False) for i in range(0, len(data), step))
    return b"".join(line + b"\r\n" for line in lines)


# RFC 2045 6.7: printable ASCII but "=" stands for itself, and so do space and tab (except at the
# end of a line, see _qp_lines); CR and LF are line breaks. Every other byte is written "=XX".
_QP_KEPT = bytes([9, 10, 13, *range(32, 61), *range(62, 127)])


def _qp_quote(data: bytes) -> str:
    """Every byte that does not stand for itself as "=XX", with one ``str.replace`` per distinct
    byte rather than a lookup per character ("=" first: the "=XX" the others become stay)."""
    body = data.decode("latin-1").replace("=", "=3D")
    for byte in set(data.translate(None, _QP_KEPT)) - {0x3D}:
        body = body.replace(chr(byte), f"={byte:02X}")
    return body


# A line (bytes) -> its quoted-printable lines (LF between them). A line quotes the same way
# wherever it is (RFC 2045 6.7 looks at nothing across a line end), and most of a digest's lines
# come back reader after reader: an abstract's, a paper's links, "Matched: ...".
_QP_CACHE: dict[bytes, bytes] = {}
_QP_CACHE_LIMIT = 50_000
# Printable ASCII, tabs and spaces, no "=", not ending in a blank: stands for itself.
_QP_PLAIN = re.compile(rb"(?:[\t\x20-\x3c\x3e-\x7e]*[\x21-\x3c\x3e-\x7e])?")


def _qp_cached(lines: list[bytes]) -> list[bytes]:
    """Each line quoted (:func:`_qp_line`), from :data:`_QP_CACHE` where it was quoted before."""
    cache = _QP_CACHE
    quoted = [cache.get(line) for line in lines]
    if None in quoted:
        if len(cache) + len(lines) > _QP_CACHE_LIMIT:
            cache.clear()
        for i, done in enumerate(quoted):
            if done is None:
                quoted[i] = cache[lines[i]] = _qp_line(lines[i])
    return quoted  # type: ignore[return-value]


def _qp_line(line: bytes) -> bytes:
    """One line (no line end) as quoted-printable: "=XX" for every byte that does not stand for
    itself; cut into lines of at most MAX (:func:`_qp_lines`) when too long or ending in a blank."""
    if _QP_PLAIN.fullmatch(line):
        if len(line) <= MAX:
            return line
        quoted = line.decode("ascii")
    else:
        quoted = _qp_quote(line)
        if len(quoted) <= MAX and not (quoted and quoted[-1] in " \t"):
            return quoted.encode("ascii")
    out: list[str] = []
    _qp_lines(quoted, MAX, out)
    return "\n".join(out).encode("ascii")


def _qp_lines(line: str, width: int, out: list[str]) -> None:
    """One quoted line as output lines: cut with a soft break ("=" at the end) after ``width`` - 1
    characters, or before an "=XX" escape that would straddle the cut; a space or tab that ends
    the line is quoted, or followed by a soft break when quoting it would overflow the line."""
    while len(line) > width:
        cut = width - 1
        escape = line.find("=", cut - 2, cut)
        if escape >= 0:
            cut = escape
        out.append(line[:cut] + "=")
        line = line[cut:]
    if not line or line[-1] not in " \t":
        out.append(line)
    elif len(line) <= width - 2:
        out.append(f"{line[:-1]}={ord(line[-1]):02X}")
    elif len(line) == width - 1:
        out += (line + "=", "")
    else:
        out += (line[:-1] + "=", f"={ord(line[-1]):02X}")


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
            return fold_list_unsubscribe(name, value, "\r\n").encode("ascii")  # its str is the value
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
    return _folded(name, value)


def _address(value: Address) -> str | None:
    """``str(Address)`` (the display name quoted if it needs to be) for a plain ASCII name and
    address, which the generator writes as it is; None for anything else."""
    addr, name = value.addr_spec, value.display_name
    if not _ADDR_SPEC.fullmatch(addr) or "=?" in addr:
        return None
    if name and (not _PLAIN.fullmatch(name) or "=?" in name or "  " in name):
        return None
    return str(value)


def _folded(name: str, value: Any) -> bytes:
    """The email package: the header ``msg[name] = value`` stores, folded as the generator folds it."""
    return CRLF_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))


@functools.lru_cache(maxsize=64)
def _constant(name: str, value: str) -> bytes:
    """A header that is the same in every message (or every run): folded once."""
    return _folded(name, value)


def _multipart(boundary: str) -> bytes:
    """The top Content-Type, as the generator writes it after ``set_boundary``."""
    if _BOUNDARY.fullmatch(boundary):
        return f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii")
    FALLBACKS["Content-Type"] += 1
    return _folded("Content-Type", f'multipart/alternative; boundary="{boundary}"')


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
