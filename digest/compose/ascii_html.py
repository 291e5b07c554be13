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

:func:`mail_html` writes the character references in the first place, so that ascii_html
has only the rare long line left to break. It works character by character, so
:class:`digest.compose.preinline.PreInlined` applies it to a template's pieces once and to
each value once, and the digest is what ``mail_html`` makes of the whole. It breaks no line:
a line break before every ``style`` attribute (tried) made a digest 46 % more lines for the
same bytes, and a receiving server that reads line by line (benchmarks/smtp_sink.py's
aiosmtpd) spent 25 % more time on each message than the maker saved.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter

LIMIT = 998  # octets in a line, CRLF not counted (RFC 5322 2.1.1, RFC 2045 2.7)

FALLBACKS: Counter[str] = Counter()  # why a body was handed back to quoted-printable

# A start or end tag: the name, then attributes (quoted values may hold "<" and ">"), each
# after a blank (as lxml writes them: no two ways to match, no backtracking).
_TAG = re.compile(
    r"""</?[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
# Where no tag is a tag: raw text elements (no character reference is decoded in them either),
# escapable raw text (<title>, <textarea>: references are decoded) and comments. lxml writes
# tag names in lower case.
_RAW_START = re.compile(
    r"<(?:(script|style|xmp|iframe|noembed|noframes|noscript|plaintext|textarea|title)(?=[\s/>])|!--)"
)
_RCDATA = ("textarea", "title")
_SURROGATE_REF = re.compile(r"&#(5[5-7]\d\d\d);")  # 55296-57343: U+D800-U+DFFF


def ascii_html(html: str) -> str | None:
    """``html`` as ASCII with lines of at most LIMIT octets, the same document; or None."""
    spans: list[tuple[int, int, bool]] | None = None
    if not html.isascii():
        html = references(html)
        spans = _raw_spans(html)
        if any(opaque and "&#" in html[a:b] for a, b, opaque in spans):  # (or was there: left alone)
            FALLBACKS["non-ASCII in a raw text element"] += 1
            return None
        if "&#5" in html and any(0xD800 <= int(m.group(1)) <= 0xDFFF for m in _SURROGATE_REF.finditer(html)):
            FALLBACKS["lone surrogate"] += 1  # not UTF-8 either: the caller refuses it as before
            return None
    if "\r" in html or "\0" in html:
        FALLBACKS["carriage return or NUL"] += 1
        return None
    lines = html.split("\n")
    if max(map(len, lines)) <= LIMIT:
        return html
    return _wrapped(html, lines, _raw_spans(html) if spans is None else spans)


def _wrapped(html: str, lines: list[str], spans: list[tuple[int, int, bool]]) -> str | None:
    """Break each long line before the end of a tag (never inside a raw text element or a comment)."""
    raw = [(a, b) for a, b, _ in spans]
    out: list[str] = []
    offset = 0  # of the line in ``html``
    for line in lines:
        start = 0
        while len(line) - start > LIMIT:
            cut = _last_break(line, start, raw, offset)
            if cut is None:
                FALLBACKS["a long line with no tag to break"] += 1
                return None
            out.append(line[start:cut])
            start = cut
        out.append(line[start:] if start else line)
        offset += len(line) + 1
    return "\n".join(out)


def _raw_spans(html: str) -> list[tuple[int, int, bool]]:
    """(start, end, opaque) of each raw text element and comment, in order: opaque when a
    character reference in it is not decoded (not <title> or <textarea>)."""
    spans = []
    pos = 0
    while m := _RAW_START.search(html, pos):
        name = m.group(1)
        closing = f"</{name}" if name else "-->"
        end = html.find(closing, m.end())
        end = len(html) if end < 0 else end + len(closing)
        spans.append((m.start(), end, name is not None and name not in _RCDATA))
        pos = end
    return spans


def _last_break(line: str, start: int, raw: list[tuple[int, int]], offset: int) -> int | None:
    """The last place after ``start`` and at most LIMIT past it where a line may break: before
    the ">" of a tag, or before the "/" of "/>"; not in a raw text element or a comment."""
    # Any "<" is a tag's (or a raw text element's, left out below): text and attribute values
    # have theirs escaped. So the search can start anywhere: near the limit first.
    near = max(start, start + LIMIT - 400)
    ends = [m.end() - 1 for m in _TAG.finditer(line, near, start + LIMIT + 1)]
    if not ends and near > start:
        ends = [m.end() - 1 for m in _TAG.finditer(line, start, start + LIMIT + 1)]
    for end in reversed(ends):
        cut = end - 1 if line[end - 1] == "/" else end
        if cut > start and not _inside(raw, offset + cut):
            return cut
    return None


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    i = bisect.bisect_right(spans, (pos, pos)) - 1
    return i >= 0 and spans[i][0] < pos < spans[i][1]


def mail_html(html: str) -> str:
    """``html`` as mail should carry it, the same document: each non-ASCII character a character
    reference (but inside ``<style>``, ``<script>`` and the like, where it is left as it is).
    ascii_html of the result is the result itself, unless a line is longer than LIMIT (it breaks
    those) or a raw text element holds a non-ASCII character."""
    out: list[str] = []
    pos = 0
    for start, end, opaque in [*_raw_spans(html), (len(html), len(html), False)]:
        out.append(references(html[pos:start]))
        out.append(html[start:end] if opaque else references(html[start:end]))
        pos = end
    return "".join(out)


def references(text: str) -> str:
    """Each non-ASCII character of ``text`` as a numeric character reference (``&#183;``)."""
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")
