"""What a reader's address written otherwise than alone is told: several (one a profile), in
a list, after mailto: or in <> (a name before it), with two @, a comma for a point in the domain,
letters other than ASCII before the @. The address offered is one the check takes; else the
note says each slip it found."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# mailto:ADDRESS, or ADDRESS in <> with or without a name before it: (mailto's, the name, the <>'s)
_WRAPPED = re.compile(r"(?i:mailto:)(\S+)|([^<>]*)<([^<>\s]+)>")
# several addresses, in one text or in a list ([bob@example.org, al@example.org])
SEVERAL = " (one address a profile: give each reader a profile of their own)"


def address_slip(value: Any, valid: Callable[[str], bool]) -> str:
    """The note for ``value``, refused as an address (``valid``: the address check), or ''."""
    if isinstance(value, list):
        if not value:  # [] holds no address: nothing to add
            return ""
        return " (one address, without brackets)" if len(value) == 1 else SEVERAL
    text = value.strip() if isinstance(value, str) else ""
    if sum("@" in part for part in re.split(r"[,;\s]+", text)) > 1:  # not bob@@example,org
        return SEVERAL
    if wrapped := _WRAPPED.fullmatch(text):
        return _unwrapped(wrapped, valid)
    return f" ({note})" if (note := _mended(text, valid)) else ""


def _unwrapped(wrapped: re.Match[str], valid: Callable[[str], bool]) -> str:
    """The note for an address after mailto: or in <>: the address alone, and what else is wrong
    with it (mailto:bob@@example.org was told only of the mailto:, <bob@@example.org> to write
    bob@@example.org)."""
    mailto, name, inner = wrapped.groups()
    address = mailto or inner
    if valid(address):
        if mailto:
            return f" (write the address alone: {address})"
        return f" (write the address alone, {address}; the name goes under name:)"
    wrapper = "without mailto:" if mailto else "without <>"
    if name and name.strip():
        wrapper += " (the name goes under name:)"
    note = _mended(address, valid)
    return f" (write the address alone, {wrapper}{f'; {note}' if note else ''})"


def _mended(text: str, valid: Callable[[str], bool]) -> str:
    """What is wrong with the address ``text``, with the address mended where ``valid`` takes it
    ('': nothing this knows of)."""
    local, at, domain = text.partition("@")
    if not local.isascii():  # a name first: its letters are not the address's ('Zoë <zoe@...>')
        return "the part before @ must be ASCII: not every mail server accepts others"
    if ascii_form := idn_ascii(text, valid):
        return f"{IDN_NOTE}: {ascii_form}"
    if (ats := text.count("@")) > 1:  # bob@@example.org
        count = "two" if ats == 2 else str(ats)
        local, _, domain = re.sub("@+", "@", text).partition("@")
        fixed = f"{local}@{domain}" if valid(f"{local}@{domain}") else f"{local}@{domain.replace(',', '.')}"
        if fixed.count("@") == 1 and valid(fixed):
            return f"{count} @: an address has one: {fixed}?"
        return f"{count} @: an address has one, before its domain"
    if at and "," in domain and valid(fixed := f"{local}@{domain.replace(',', '.')}"):
        return f"a comma for a point? {fixed}"
    if text and not at:  # ada.example.org, ada: no name@domain at all
        return "no @: an address has one, before its domain: name@example.org"
    return ""


IDN_NOTE = "a domain in letters other than ASCII is written in its ASCII form"


def idn_ascii(address: str, valid: Callable[[str], bool]) -> str:
    """``address`` with its domain (letters other than ASCII: 'exämple.org') in the ASCII form
    mail servers take without SMTPUTF8 ('xn--exmple-cua.org', IDNA), if ``valid`` takes it; else ''."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return ""
    try:
        fixed = f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:  # not a name IDNA can write (a label too long, a character it forbids)
        return ""
    return fixed if valid(fixed) else ""
