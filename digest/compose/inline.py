"""CSS inlining: premailer's public ``transform``, and which stylesheets let a template be inlined once.

Every message's HTML could go through :func:`premailer_inline` (premailer on the whole
document: some 90 ms for a digest). :mod:`digest.compose.preinline` does it once per template
instead, which is right only when an element's style follows from where it sits in the
template: premailer gives an element the declarations of the rules whose selectors match it,
so every selector it applies must look at nothing but the tags, classes, ids and attributes of
the element and its ancestors. :func:`style_selectors` lists a document's selectors (with
cssutils, premailer's own CSS parser) and :func:`ancestral_attributes` tells whether one of
them is of that kind, and which attributes it reads. Both are conservative: a selector they do
not understand is reported as depending on more, and the template is inlined per message.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

# The premailer options digest uses.
PREMAILER_OPTIONS: dict[str, Any] = {
    "keep_style_tags": False,
    "strip_important": False,
    "disable_validation": True,
    "cssutils_logging_level": logging.CRITICAL,
    "allow_network": False,
    # No bgcolor="" copied from background-color onto every element: HTML (and Outlook) reads it
    # on body and tables only, where the template writes it; on the <mark>s and chips of a
    # dense 20-paper digest it was some 8 KB of the 102 KB Gmail shows before clipping.
    "disable_basic_attributes": ["bgcolor"],
}


def premailer_inline(html: str) -> str:
    """premailer on the whole document: the reference, and the way for what cannot be pre-inlined.
    (premailer, cssutils and lxml are loaded when first needed: a run whose template is
    pre-inlined from the cache never loads them; see digest.compose.inline_memo.)"""
    import premailer

    return premailer.transform(html, **PREMAILER_OPTIONS)


def style_selectors(html: str) -> list[str]:
    """The selectors of the style rules at the top level of the document's ``<style>`` blocks.

    Rules inside ``@media`` are left out: premailer keeps them in a ``<style>`` block, as they
    are. Every other block counts, even one premailer would skip (``media="print"``): a caller
    that needs all applied selectors to be simple stays on the safe side."""
    import cssutils
    from lxml import etree

    parser = cssutils.CSSParser(loglevel=logging.CRITICAL, validate=False)
    tree = etree.fromstring(html, etree.HTMLParser())
    selectors: list[str] = []
    for style in tree.iter("style"):
        sheet = parser.parseString(style.text or "")
        for rule in sheet.cssRules:
            if rule.type == rule.STYLE_RULE:
                selectors.extend(s.selectorText for s in rule.selectorList)
    return selectors


_IDENT = r"-?[_a-zA-Z][_a-zA-Z0-9-]*"
_ATTRIBUTE = rf"""\[\s*(?:{_IDENT})\s*(?:[~|^$*]?=\s*(?:{_IDENT}|"[^"\\]*"|'[^'\\]*')\s*)?\]"""
_SIMPLE = rf"(?:\.{_IDENT}|#{_IDENT}|{_ATTRIBUTE})"
_COMPOUND = rf"(?:(?:{_IDENT}|\*){_SIMPLE}*|{_SIMPLE}+)"
# Compounds joined by descendant (blank) or child (>) combinators; at the end, at most one
# dynamic pseudo-class, which no inliner can evaluate (premailer keeps those rules in <style>).
_ANCESTRAL = re.compile(
    rf"{_COMPOUND}(?:\s*>\s*{_COMPOUND}|\s+{_COMPOUND})*(?::(?:hover|active|focus|visited|link))?"
)
_ATTRIBUTE_NAME = re.compile(rf"\[\s*({_IDENT})")


def ancestral_attributes(selector: str) -> frozenset[str] | None:
    """The attributes ``selector`` reads (besides class and id) if whether it matches an element
    follows from the tags, classes, ids and attributes of the element and its ancestors alone;
    None if it can depend on anything else (``+``, ``~``, ``:first-child``, ``:nth-child()``,
    ``:not()``, pseudo-elements, escapes: whatever this does not recognize).

    >>> sorted(ancestral_attributes('td.paper > a[data-x="1"]'))
    ['data-x']
    >>> ancestral_attributes(".paper + .paper") is None
    True
    """
    selector = selector.strip()
    if not _ANCESTRAL.fullmatch(selector):
        return None
    return frozenset(_ATTRIBUTE_NAME.findall(selector))
