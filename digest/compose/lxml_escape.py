"""A value written into the pre-inlined template (digest.compose.preinline) as lxml's parse and
serialization would have written it: ``&``, ``<``, ``>`` as entities, quotes as characters, URLs
in ``href`` percent-encoded; a value this cannot vouch for raises :class:`Fallback`."""

from __future__ import annotations

import re
from urllib.parse import quote

# Characters lxml's parser changes or drops (controls, CR, noncharacters, lone surrogates):
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")  # after &#34; and &#39; are turned into quotes
_URI_SAFE = "".join(chr(c) for c in range(33, 127))  # lxml leaves printable ASCII in URLs alone


class Fallback(Exception):
    """A value the fast escape cannot vouch for; render this message the plain way."""


def lxml_text(html: str) -> str:
    """Escaped text as lxml writes it back: &amp; &lt; &gt; stay, quotes become characters."""
    if "<" in html or _UNSAFE.search(html):
        raise Fallback("markup or a control character in a value")
    if "&#" in html:
        html = html.replace("&#34;", '"').replace("&#39;", "'")
    if "&" in html and _ENTITY.search(html):
        raise Fallback("an unusual entity in a value")
    if ">" in html:
        html = html.replace(">", "&gt;")
    return html


def lxml_attribute(html: str, *, uri: bool) -> str:
    """An attribute value as lxml writes it back (inside double quotes)."""
    if "<" in html or _UNSAFE.search(html):
        raise Fallback("markup or a control character in an attribute")
    raw = html.replace("&#34;", '"').replace("&#39;", "'")
    if '"' in raw or ("&" in raw and _ENTITY.search(raw)):
        raise Fallback("a quote or an unusual entity in an attribute")
    if "&lt;" in raw or "&gt;" in raw:
        raise Fallback("< or > in an attribute")  # lxml keeps them raw in some places (<!-- -->)
    raw = raw.replace("&amp;", "&")
    if uri and not (raw.isascii() and raw.isprintable() and " " not in raw):
        if raw != raw.strip(" \t\n\x0c\r"):
            raise Fallback("blanks around a URL")  # lxml drops the leading ones
        raw = quote(raw, safe=_URI_SAFE)
    return raw.replace("&", "&amp;")
