"""An HTML body that can travel as 7bit: ASCII only, lines of at most 998 octets (RFC 5322 2.1.1).

A digest's HTML used to go as quoted-printable: its inlined style attributes make lines of a
thousand characters, and "·", "→", "…" and no-break spaces are not ASCII. Quoted-printable
cost some 2 ms a message (a Python loop over the lines) and made the body 7 % larger; a mail
client decodes it back to the same HTML. :func:`ascii_html` gives the same document in a form
7bit can carry, for a mail client to show the same thing:

- every non-ASCII character becomes a numeric character reference (``&#183;``), which an
  HTML parser reads back as that character in text and in attribute values alike;
- a line longer than :data:`LIMIT` octets is broken just before the ``>`` (or ``/>``) that ends
  a tag: whitespace there is part of the tag, not of the document (``<a href="x"`` newline
  ``>``), so the parsed document, its text and its links are the same.

Where neither is certain, it returns None and the caller encodes the HTML as before
(quoted-printable): a character that is not ASCII inside ``<style>``, ``<script>`` or
another raw-text element (a character reference is not decoded there), a long line with no
tag to break in (or only tags inside such an element or a comment), a carriage return or a
NUL (7bit allows neither), a lone surrogate (not UTF-8 at all). Tag and attribute *names*
are assumed ASCII (a character reference is not decoded in a name): lxml, which serializes
every digest, writes no other.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

LIMIT = 998  # octets in a line, CRLF not counted (RFC 5322 2.1.1, RFC 2045 2.7)

FALLBACKS: Counter[str] = Counter()  # why a body was handed back to quoted-printable

# A start or end tag: the name, then attributes (quoted values may hold "<" and ">").
_TAG = re.compile(
    r"""</?[A-Za-z][^\s/>]*(?:\s*[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
# Where no tag is a tag: raw text (no character reference decoded either), escapable raw text
# (<title>, <textarea>: references are decoded) and comments.
_RAW = re.compile(
    r"<(script|style|xmp|iframe|noembed|noframes|noscript|plaintext|textarea|title)\b.*?(?:</\1\s*>|\Z)"
    r"|<!--.*?(?:-->|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_RCDATA = frozenset({"textarea", "title"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def ascii_html(html: str) -> str | None:
    """``html`` as ASCII with lines of at most LIMIT octets, the same document; or None."""
    if "\r" in html or "\0" in html:
        FALLBACKS["carriage return or NUL"] += 1
        return None
    if not html.isascii():
        if _SURROGATE.search(html):
            FALLBACKS["lone surrogate"] += 1
            return None
        if any(_opaque(m) and not m.group(0).isascii() for m in _RAW.finditer(html)):
            FALLBACKS["non-ASCII in a raw text element"] += 1
            return None
        html = html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    lines = html.split("\n")
    if max(map(len, lines)) <= LIMIT:
        return html
    return _wrapped(html, lines)


def _opaque(m: re.Match[str]) -> bool:
    """A raw text element: a character reference in it would be read as it is written."""
    name = m.group(1)
    return name is not None and name.lower() not in _RCDATA


def _wrapped(html: str, lines: list[str]) -> str | None:
    """Break each long line before the end of a tag (never inside a raw text element or a comment)."""
    raw = [(m.start(), m.end()) for m in _RAW.finditer(html)]
    out: list[str] = []
    offset = 0  # of the line in ``html``
    for line in lines:
        if len(line) > LIMIT:
            breaks = [p for p in _tag_ends(line) if not _inside(raw, offset + p)]
            start = 0
            while len(line) - start > LIMIT:
                i = bisect.bisect_right(breaks, start + LIMIT) - 1
                if i < 0 or breaks[i] <= start:
                    FALLBACKS["a long line with no tag to break"] += 1
                    return None
                out.append(line[start : breaks[i]])
                start = breaks[i]
            out.append(line[start:])
        else:
            out.append(line)
        offset += len(line) + 1
    return "\n".join(out)


def _tag_ends(line: str) -> list[int]:
    """Where a line break may go: before the ">" of each tag, or before the "/" of "/>"."""
    ends = []
    for m in _TAG.finditer(line):
        end = m.end() - 1
        ends.append(end - 1 if line[end - 1] == "/" else end)
    return ends


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, len("~"))) - 1
    return i >= 0 and spans[i][0] < pos < spans[i][1]
