"""Titles and summaries a feed gives as HTML are stored as plain text (the email escapes what
it renders); text that is not HTML, a math abstract's ``a < b`` included, is kept as it is."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from digest.ingest.sources import parse_dump

MTIME = dt.datetime(2026, 11, 30, 9, 0)


def atom(title: str, summary: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>A lab's papers</title>
  <updated>2026-11-29T08:00:00Z</updated>
  <entry>
    <id>https://lab.example/papers/17</id>
    {title}
    {summary}
    <author><name>Ada Example</name></author>
  </entry>
</feed>
""".encode()


def rss(title: str, description: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>A lab's papers</title>
  <pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate>
  <item>
    <title>{title}</title>
    <link>https://lab.example/papers/17</link>
    <description>{description}</description>
  </item>
</channel></rss>
""".encode()


def entry(document: bytes):
    (only,) = parse_dump(document, Path("feed.xml"), MTIME).entries
    return only


def test_an_atom_summary_marked_html_is_stored_as_its_text_without_scripts_or_links():
    summary = (
        '<summary type="html">&lt;p&gt;We propose &lt;em&gt;quiet&lt;/em&gt; adapters.&lt;/p&gt;'
        "&lt;script&gt;track('reader')&lt;/script&gt;&lt;style&gt;p {color: red}&lt;/style&gt;"
        '&lt;p&gt;Read &lt;a href="https://lab.example/more"&gt;the\n  notes&lt;/a&gt;.&lt;/p&gt;</summary>'
    )
    paper = entry(atom('<title type="html">Quiet &lt;i&gt;Adapters&lt;/i&gt;</title>', summary))
    assert paper.title == "Quiet Adapters"
    assert paper.abstract == "We propose quiet adapters. Read the notes."


def test_entities_are_decoded_once():
    summary = '<summary type="html">Bold is written &amp;lt;b&amp;gt; in HTML &amp;amp; XML.</summary>'
    paper = entry(atom("<title>Markup</title>", summary))
    assert paper.abstract == "Bold is written <b> in HTML & XML."


def test_an_xhtml_summary_is_stored_as_its_text():
    summary = (
        '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Water is H<sub>2</sub>O,'
        "<br/>as <b>everyone</b> knows.</p><style>b {}</style><p>Second paragraph.</p></div></summary>"
    )
    assert entry(atom("<title>Water</title>", summary)).abstract == (
        "Water is H2O, as everyone knows. Second paragraph."
    )


def test_an_rss_description_that_is_evidently_html_is_stored_as_its_text():
    description = "&lt;p&gt;We propose   a method.&lt;/p&gt;&lt;p&gt;It works &amp;amp; scales.&lt;/p&gt;"
    paper = entry(rss("Salt &amp;amp; Pepper Noise", description))
    assert paper.title == "Salt & Pepper Noise"
    assert paper.abstract == "We propose a method. It works & scales."


def test_math_in_plain_text_is_kept_as_it_is():
    math = "We show a &lt; b and a&lt;b and c&gt;d for all 0&lt;x&lt;1, and x &gt; y &amp; more."
    kept = "We show a < b and a<b and c>d for all 0<x<1, and x > y & more."
    assert entry(rss("Bounds for a&lt;b", math)).abstract == kept
    assert entry(rss("Bounds for a&lt;b", math)).title == "Bounds for a<b"
    assert entry(atom("<title>Bounds</title>", f"<summary>{math}</summary>")).abstract == kept


def test_entities_without_tags_are_decoded_and_the_math_beside_them_kept():
    description = "Bounds a&lt;b and c&gt;d hold &amp;#8212; tightly, for R&amp;amp;D."
    assert entry(rss("Bounds", description)).abstract == "Bounds a<b and c>d hold \u2014 tightly, for R&D."


def test_an_arxiv_listing_text_is_never_read_as_html():
    description = "arXiv:2611.01010v1 Announce Type: new Abstract: Tokens &lt;/p&gt; and &amp;amp; are kept."
    paper = entry(rss("A title", description))
    assert paper.abstract == "Tokens </p> and &amp; are kept."


def test_html_that_never_closes_its_tags_is_read_in_linear_time():
    """40 KB of '<a <a <a ...' took html.parser 38 s (the time grew with the square of the length,
    and more): a feed's summary of a few hundred KB held a fetch, and the daemon, for hours."""
    unclosed = "&lt;/p&gt;" + "&lt;a " * 13_000
    document = atom("<title>Anchors</title>", f'<summary type="html">Kept. {unclosed}</summary>')
    started = time.monotonic()
    assert entry(document).abstract == "Kept."
    assert time.monotonic() - started < 3


def test_a_marked_section_html_parser_could_not_name_is_not_an_internal_error():
    """'<![ x' raised AssertionError out of html.parser: digest fetch stopped with 'internal
    error', and the daemon's pass failed at every poll, a copy of the feed put in failed/ each time."""
    summary = '<summary type="html">&lt;p&gt;We propose adapters.&lt;/p&gt;&lt;![ x</summary>'
    assert entry(atom("<title>Adapters</title>", summary)).abstract == "We propose adapters."


def test_xhtml_nested_thousands_deep_is_read_like_any():
    """It was serialized by ET.tostring, recursive: RecursionError, an internal error of digest
    fetch, not a title."""
    deep = "<b>" * 5_000 + "Deep" + "</b>" * 5_000
    title = f'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{deep} titles</div></title>'
    assert entry(atom(title, "<summary>An abstract.</summary>")).title == "Deep titles"
