"""A fetched document in the character set its server named, made UTF-8 for the readers.

The readers take UTF-8 (a dump is saved so: decode.decode). A server may send another
character set and say which, in the ``Content-Type`` (``charset=ISO-8859-1``) or, for XML, in
its declaration (``<?xml version="1.0" encoding="ISO-8859-1"?>``; the header wins, as HTTP
says). Such a document is decoded so and saved in UTF-8; one that is UTF-8 already (or has a
UTF-8 byte order mark), names no character set, names one Python does not know, or does not
decode in the one it names is kept as it came, for the reader to refuse, saying where. A body
with a NUL byte is not taken for UTF-8 (a text listing has none): UTF-16 of ASCII alone is
valid UTF-8 byte by byte. UTF-16 without a byte order mark is read in the order its first
character shows ('<' or '[' is 00 3C or 3C 00), big-endian where it shows none (RFC 2781).
"""

from __future__ import annotations

import codecs
import email.message
import re

from digest.errors import NotUtf8

_XML_DECLARATION = re.compile(rb"""\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
_UTF8 = codecs.lookup("utf-8").name


def as_utf8(body: bytes, content_type: str) -> bytes:
    """``body`` in UTF-8, decoded in the character set ``content_type`` or its XML declaration names."""
    try:
        if b"\x00" not in body:
            body.decode("utf-8")
            return body
    except UnicodeDecodeError:
        pass
    for named in (_header_charset(content_type), _declared(body)):
        if not named:
            continue
        try:
            if codecs.lookup(named).name == _UTF8:
                return body  # said to be UTF-8, and is not: the reader says where it breaks
            return body.decode(_ordered(named, body)).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            return body  # the header's word stands: not the declaration's in its place
    return body


def charset_named(body: bytes, content_type: str) -> str | None:
    """The character set as_utf8 decodes ``body`` in: the Content-Type's, else its XML declaration's."""
    return _header_charset(content_type) or _declared(body)


def _ordered(named: str, body: bytes) -> str:
    """``named``, or for UTF-16 without a byte order mark the order its first character shows."""
    if codecs.lookup(named).name != "utf-16" or body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return named
    return "utf-16-le" if body[1:2] == b"\x00" and body[:1] != b"\x00" else "utf-16-be"


def not_utf8(error: NotUtf8, url: str, content_type: str, body: bytes, key: str) -> str:
    """What a fetched document that is not UTF-8 (``error``, the reader's) says: the source's
    fault, with the byte, the URL and what its server named, and ``key`` (the source's url in
    the config, or ""), not the advice to save a dropped dump as UTF-8."""
    header, declared = _header_charset(content_type), _declared(body)
    named = header or declared
    said = f"Content-Type {content_type!r}" if header else f"its XML declaration, {named}"
    try:
        utf8 = named is not None and codecs.lookup(named).name == _UTF8
    except LookupError:
        utf8 = False
    claim = (
        "and its server names no character set (in the Content-Type or an XML declaration)"
        if named is None
        else f"though its server says it is ({said})"
        if utf8
        else f"nor in the character set its server names ({said})"
    )
    fix = f", or set {key} to an address that sends it so" if key else ""
    return (
        f"{error.path}:{error.line}: the document at {url} is not UTF-8 text ({error.where}), {claim}: "
        f"the source sends it wrongly; ask its maintainers to send UTF-8 or name the character set{fix}"
    )


def _header_charset(content_type: str) -> str | None:
    message = email.message.Message()
    message["Content-Type"] = content_type
    return message.get_content_charset() if content_type else None


def _declared(body: bytes) -> str | None:
    found = _XML_DECLARATION.match(body[:200])
    return found[1].decode("ascii") if found else None
