"""What a reader's address written otherwise than alone is told: several (one a profile), in
a list, after mailto:, with two @, a comma for a point in the domain."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def address_slip(value: Any, valid: Callable[[str], bool]) -> str:
    """The note for ``value``, refused as an address (``valid``: the address check), or ''."""
    if isinstance(value, list):
        if not value:  # [] holds no address: nothing to add
            return ""
        return " (one address, without brackets)" if len(value) == 1 else " (one address a profile)"
    text = value.strip() if isinstance(value, str) else ""
    if sum("@" in part for part in re.split(r"[,;\s]+", text)) > 1:  # not bob@@example,org
        return " (one address a profile: give each reader a profile of their own)"
    if (ats := text.count("@")) > 1:  # bob@@example.org
        count = "two" if ats == 2 else str(ats)
        local, _, domain = re.sub("@+", "@", text).partition("@")
        fixed = f"{local}@{domain}" if valid(f"{local}@{domain}") else f"{local}@{domain.replace(',', '.')}"
        guess = f": {fixed}?" if fixed.count("@") == 1 and valid(fixed) else ", before its domain"
        return f" ({count} @: an address has one{guess})"
    if text.lower().startswith("mailto:") and valid(text[7:]):
        return f" (write the address alone: {text[7:]})"
    local, at, domain = text.partition("@")
    if at and "," in domain and valid(fixed := f"{local}@{domain.replace(',', '.')}"):
        return f" (a comma for a point? {fixed})"
    return ""
