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
comments dropped, entities decoded once (``&amp;lt;`` is "&lt;"), whitespace collapsed.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

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


def html_text(markup: str) -> str:
    """The text an HTML fragment shows, on one line."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return clean("".join(parser.parts))


def element_text(node: ET.Element | None, *, guess: bool = True) -> str:
    """The plain text of a feed's title or summary element: as HTML if its ``type`` says so,
    or if ``guess`` and it evidently is (not an arXiv listing's text); else as it is."""
    if node is None:
        return ""
    kind = (node.get("type") or "").lower()
    if kind == "xhtml":  # the markup is XML in the feed: its elements, serialized, read as HTML
        inner = (node.text or "") + "".join(ET.tostring(child, encoding="unicode") for child in node)
        return html_text(inner)
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


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.rpartition(":")[2]  # html:p, as an Atom xhtml element serializes
        if tag in _DROPPED:
            self.dropping += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.rpartition(":")[2] in _BLOCKS:  # <br/>: a break; <script/> holds nothing
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag in _DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)
