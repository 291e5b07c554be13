"""Plain text out of the HTML some feeds put in titles and summaries.

The store keeps titles and abstracts as plain text (the email escapes what it renders), so
``<p>We propose...</p>`` is stored as "We propose...". A text is read as HTML where the feed
says it is (Atom's ``type="html"`` or ``type="xhtml"``), or where it evidently is: a closing
tag of a formatting element (``</p>``, ``</em>``, ``</a>``), a ``<br>`` or ``<p>``, a tag with
an attribute (``<a href=``). A text with entity references (``&amp;``, ``&#233;``) and no such
tag has its entities decoded, nothing else. A math abstract's ``a < b`` or ``a<b and c>d`` is
none of these, and is kept as it is; so is an arXiv listing's text (it starts "arXiv:...
Announce Type:"), which is plain text by arXiv's own format.

As HTML: tags dropped (a block's end is a space, an inline element's is nothing:
``x<sub>2</sub>`` is "x2"), the content of ``script``, ``style`` and ``template`` dropped,
comments dropped, entities decoded once (``&amp;lt;`` is "&lt;"), whitespace collapsed. Parsed
by libxml2's HTML parser (lxml), in time linear in the text whatever it holds: the standard
library's html.parser took 38 s over 40 KB of unclosed tags (``<a <a <a ...``), minutes over a
feed's worth, and raised AssertionError at ``<![<![``.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

import lxml.html
from lxml import etree

from digest.ingest.sources.arxiv_feed import split_abstract
from digest.ingest.sources.fields import clean

_FORMATTING = (
    "p|b|i|em|strong|a|div|span|ul|ol|li|sub|sup|code|pre|h[1-6]|blockquote|table|tr|td|th|font|small"
)
_EVIDENT = re.compile(
    rf"</(?:{_FORMATTING})\s*>|<(?:br|hr|p)\s*/?>|<(?:a|img|p|div|span|font)\s+[a-z-]+\s*=\s*[\"']",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCKS = frozenset({"p", "br", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table"})
_BLOCKS |= {"blockquote", "pre", "hr", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6"}
_DROPPED = frozenset({"script", "style", "template"})


def evident_tags(text: str) -> bool:
    """Tags no plain text has: a formatting element's closing tag, ``<br>``/``<p>``, a tag with
    a quoted attribute."""
    return _EVIDENT.search(text) is not None


def evident_entities(text: str) -> bool:
    """An entity reference HTML knows (``&amp;``, ``&#233;``; not ``R&D;``)."""
    return any(m[1].startswith("#") or f"{m[1]};" in html.entities.html5 for m in _ENTITY.finditer(text))


Walk = Iterator[tuple[str, object, str | None, str | None]]  # (event, tag, text, tail)


def html_text(markup: str) -> str:
    """The text an HTML fragment shows, on one line."""
    parser = lxml.html.HTMLParser(encoding="utf-8")  # one per call: a parser is not for two threads
    root = etree.fromstring(markup.encode("utf-8"), parser)  # <html><body>...; None: nothing in it
    if root is None:
        return ""
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    return _shown((event, node.tag, node.text, node.tail) for event, node in walk)


def _xhtml(node: ET.Element) -> Walk:
    """The elements under ``node`` (an Atom xhtml text construct) as start and end events, by a
    loop, not recursion: XHTML nested thousands deep is read like any (ET.tostring, recursive,
    raised RecursionError)."""
    yield "start", "", node.text, None
    stack = [(node, iter(node))]
    while stack:
        element, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack:  # the Atom element's own tail is outside its text
                yield "end", element.tag, None, element.tail
            continue
        yield "start", child.tag, child.text, None
        stack.append((child, iter(child)))


def _shown(walk: Iterable[tuple[str, object, str | None, str | None]]) -> str:
    """The text a document shows, from its start, end and comment events: a block's start and
    end are a space; script, style and template show nothing; a comment's tail is shown."""
    parts: list[str] = []
    dropping = 0  # inside script, style or template
    for event, tag, text, tail in walk:
        name = tag.rpartition("}")[2].rpartition(":")[2].lower() if isinstance(tag, str) else ""  # html:p
        if event == "start":
            dropping += name in _DROPPED
            if name in _BLOCKS:
                parts.append(" ")
            if text and not dropping:
                parts.append(text)
            continue
        if event == "end":
            dropping -= name in _DROPPED
            if name in _BLOCKS:
                parts.append(" ")
        if tail and not dropping:
            parts.append(tail)
    return clean("".join(parts))


def element_text(node: ET.Element | None, *, guess: bool = True) -> str:
    """The plain text of a feed's title or summary element: as HTML if its ``type`` says so,
    or if ``guess`` and it evidently is (not an arXiv listing's text); else as it is."""
    if node is None:
        return ""
    kind = (node.get("type") or "").lower()
    if kind == "xhtml":  # the markup is XML in the feed, parsed with it: its elements walked
        return _shown(_xhtml(node))
    text = node.text or ""
    if kind in ("html", "text/html"):
        return html_text(text)
    if not guess or split_abstract(clean(text))[0] is not None:
        return clean(text)
    if evident_tags(text):
        return html_text(text)
    if evident_entities(text):  # entities only: decoded, and a '<' in the text is left alone
        return clean(html.unescape(text))
    return clean(text)
