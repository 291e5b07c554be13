"""Plain text out of the HTML some feeds put in titles and summaries.

The store keeps titles and abstracts as plain text (the email escapes what it renders), so
``<p>We propose...</p>`` is stored as "We propose...". A text is read as HTML where the feed
says it is (Atom's ``type="html"`` or ``type="xhtml"``), or, where the feed does not say
(RSS; Atom without ``type``), where it evidently is: a closing tag of a formatting element
(``</p>``, ``</em>``, ``</a>``), a ``<br>`` or ``<p>``, a tag with an attribute (``<a href=``).
A text with entity references (``&amp;``, ``&#233;``) and no such tag has its entities decoded,
nothing else. A math abstract's ``a < b`` or ``a<b and c>d`` is none of these, and is kept as
it is; so is Atom's ``type="text"`` (text by the feed's word, whatever it holds) and an arXiv
listing's text (it starts "arXiv:... Announce Type:"), plain text by arXiv's own format.

A guess loses nothing: HTML beside math (``x</p> ... a<b and c>d``) is read as HTML only if
that keeps every character outside its tags (the parser took ``<b and c>`` for a tag: "ad").
Otherwise only what is a tag beyond doubt is dropped (a known element, its attributes quoted
or bare-word values, or boolean ones, known by name or beside a quoted value: ``</p>``,
``<a href="...">``, ``<br/>``, ``<script async src=...>``, ``<a href="..." download>``), with
comments and the content of ``script``/``style``/``template``; the rest is kept as written, its
entities decoded. ``a<b>c`` is math, not a tag: an element
that needs its end tag, without attributes, opened right after a letter or digit and never
closed (the parser drops it: such a text is read literally).

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
# A tag beyond doubt: an HTML element's name, attributes with values (quoted, or one word); a
# quoted value stops at "<" (the scan is then linear in the text). ``<b and c>`` is not one, nor
# ``<s>``/``</s>``: in an abstract, a language model's sentence tokens, not strikethrough.
_ELEMENTS = rf"{_FORMATTING}|br|hr|img|tt|u|del|ins|abbr|cite|dfn|kbd|q|samp|var|mark|caption|"
_ELEMENTS += "thead|tbody|tfoot|dl|dt|dd|section|article|header|footer|nav|figure|figcaption|"
_ELEMENTS += "script|style|template|center|big|strike|wbr|nobr|label|time|math|semantics|"
_ELEMENTS += "annotation|mi|mo|mn|ms|mtext|mspace|mrow|mfrac|msqrt|mroot|msub|msup|msubsup|"
_ELEMENTS += "mover|munder|munderover|mtable|mtr|mtd|mstyle|input|button|select|option|textarea|"
_ELEMENTS += "iframe|video|audio|source|track|embed|details|summary"
# A boolean attribute, which has no value (``<script async src=...>``, ``<input disabled>``): one
# of these names, or any bare name in a tag that also has a quoted value (``<a href="x" download>``:
# math has no quotes), so that ``<b and c>`` is still no tag.
_BOOLEAN = {"async", "defer", "nomodule", "disabled", "checked", "selected", "hidden", "readonly", "required"}
_BOOLEAN |= {"multiple", "autofocus", "autoplay", "controls", "loop", "muted", "playsinline", "nowrap"}
_BOOLEAN |= {"noshade", "compact", "open", "reversed", "novalidate", "allowfullscreen", "itemscope"}
_BOOLEAN |= {"default", "ismap", "inert"}
_VALUE = r"\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s\"'=<>`]+)"
_ATTRIBUTE = re.compile(rf"\s+([a-z][\w:-]*)(?:({_VALUE})|(?![\w:=-]))", re.IGNORECASE)
_TAG = re.compile(rf"<(/?)({_ELEMENTS})((?:{_ATTRIBUTE.pattern})*)\s*/?>", re.IGNORECASE)
# Elements that end without an end tag (void, or whose end tag HTML lets go): unclosed, still tags.
_UNCLOSED = frozenset({"br", "hr", "img", "wbr", "input", "source", "track", "embed", "p", "li", "dt", "dd"})
_UNCLOSED |= {"tr", "td", "th", "thead", "tbody", "tfoot", "option", "caption"} | _DROPPED


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
    """The plain text of a feed's title or summary element: its elements' text if it holds XML
    elements; as HTML if its ``type`` says so, or if ``guess`` and it evidently is (not an arXiv
    listing's text); else as it is."""
    if node is None:
        return ""
    kind = (node.get("type") or "").lower()
    if kind == "xhtml" or len(node):  # the markup is XML in the feed, parsed with it: its elements
        return _shown(_xhtml(node))  # walked (xhtml, or HTML a feed put in without escaping it)
    if kind == "text":  # Atom's word: text, a '<' in it is a character (RFC 4287, 3.1.1.1)
        return clean(node.text)
    text = node.text or ""
    if kind in ("html", "text/html"):
        return html_text(text)
    if not guess or split_abstract(clean(text))[0] is not None:
        return clean(text)
    if evident_tags(text):
        return guessed_html_text(text)
    if evident_entities(text):  # entities only: decoded, and a '<' in the text is left alone
        return clean(html.unescape(text))
    return clean(text)


def read_before(node: ET.Element | None, *, guess: bool = True) -> tuple[str, ...]:
    """What earlier versions of digest read a feed's title or summary ``node`` as, where that
    differs from :func:`element_text`: the text before its first XML element; the HTML parser's
    reading of a text guessed to be HTML (before a guess kept every character outside its tags,
    ``<s>`` included, and when an Atom ``type="text"`` field was guessed at too); the literal
    reading (before boolean attributes and ``a<b>c``). A paper stored without an id under one
    of them may be this item (digest.store_papers)."""
    if node is None or (node.get("type") or "").lower() in ("xhtml", "html", "text/html"):
        return ()
    if not guess or split_abstract(clean(node.text))[0] is not None:
        return ()
    now, text = element_text(node, guess=guess), node.text or ""
    if len(node):  # its elements were not read: the text before them, guessed at
        before = [guessed_before(text)]
    elif evident_tags(text):
        before = [html_text(text), literal_text(text)]
    else:
        before = [guessed_before(text)]
    return tuple(t for t in dict.fromkeys(before) if t and t != now)


def guessed_before(text: str) -> str:
    """A text without a ``type`` as the guess read it before it kept every character."""
    if evident_tags(text):
        return html_text(text)
    return clean(html.unescape(text)) if evident_entities(text) else clean(text)


def guessed_html_text(text: str) -> str:
    """The text of ``text`` guessed to be HTML: as the HTML parser reads it if that keeps every
    character outside the tags beyond doubt; else those tags dropped and the rest kept."""
    parsed, kept = html_text(text), literal_text(text)
    return parsed if _SPACE.sub("", parsed) == _SPACE.sub("", kept) else kept


def literal_text(text: str) -> str:
    """``text`` with only its tags beyond doubt dropped (a block's a space), comments and the
    content of script, style and template dropped, entities decoded once; the rest as written.
    A script's (a style's) content runs to its own end tag, as HTML reads it: a ``<script>`` or
    ``</style>`` inside its code is code."""
    parts: list[str] = []
    dropping, at = "", 0  # the element whose content is being dropped
    for start, end, closing, name in _tags(text):
        if dropping:
            if closing and name == dropping:
                dropping, at = "", end
            continue
        parts.append(html.unescape(text[at:start]))
        at = end
        if name in _DROPPED and not closing:
            dropping = name
        elif name in _BLOCKS:
            parts.append(" ")
    if not dropping:
        parts.append(html.unescape(text[at:]))
    return clean("".join(parts))


def _tags(text: str) -> list[tuple[int, int, bool, str]]:
    """(start, end, closing, element name in lower case) of each tag beyond doubt and of each
    comment (its name "") in ``text``, in order; a comment never closed is text. Math is not a
    tag: ``a<b>c`` (an element that needs its end tag, without attributes, opened right after a
    letter or digit and never closed). Linear in the text."""
    found = list(_found(text))
    opened: dict[str, list[int]] = {}  # element -> the indexes of its tags not closed yet
    for n, (_, _, closing, name, _) in enumerate(found):
        if closing and opened.get(name):
            opened[name].pop()
        elif not closing and name and name not in _UNCLOSED:
            opened.setdefault(name, []).append(n)
    math = set()
    for n in (n for tags in opened.values() for n in tags):
        start, bare = found[n][0], not found[n][4]
        if bare and start and text[start - 1].isalnum():
            math.add(n)
    return [tag[:4] for n, tag in enumerate(found) if n not in math]


def _found(text: str) -> Iterator[tuple[int, int, bool, str, bool]]:
    """The tags of :func:`_tags` (and whether each has attributes), and each comment; each tag
    is searched for once."""
    tags = _TAG.finditer(text)
    tag = next(tags, None)
    at = 0
    while True:
        comment = text.find("<!--", at)
        close = text.find("-->", comment + 4) if comment >= 0 else -1
        if close < 0:
            comment = -1  # nor any after it: none of them closes
        while tag is not None and (comment < 0 or tag.start() < comment):
            if tag.start() >= at and _attributes_beyond_doubt(tag[3]):
                yield tag.start(), tag.end(), tag[1] == "/", tag[2].lower(), bool(tag[3])
            tag = next(tags, None)
        if comment < 0:
            return
        yield comment, close + 3, False, "", False
        at = close + 3


def _attributes_beyond_doubt(attributes: str) -> bool:
    """Are a tag's ``attributes`` HTML's: each with a value, or a boolean one (see _BOOLEAN)?"""
    found = [(m[1].lower(), m[2]) for m in _ATTRIBUTE.finditer(attributes)]
    quoted = any(value and value.lstrip(" \t\n\r=")[:1] in ("'", '"') for _, value in found)
    return quoted or all(value or name in _BOOLEAN for name, value in found)


_SPACE = re.compile(r"\s+")
