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


def test_an_atom_text_marked_text_is_kept_as_written_even_when_it_looks_like_html():
    """Atom says what type="text" holds: text, its '<' a character. It was still guessed at:
    'Tokens like <br> and </p> ...' lost its tokens."""
    title = '<title type="text">Tokens like &lt;br&gt; and &lt;/p&gt; in web-scale pretraining</title>'
    summary = '<summary type="text">We count &lt;/p&gt; and &lt;a href="x"&gt; in 0 &lt; n pages.</summary>'
    paper = entry(atom(title, summary))
    assert paper.title == "Tokens like <br> and </p> in web-scale pretraining"
    assert paper.abstract == 'We count </p> and <a href="x"> in 0 < n pages.'


def test_html_beside_math_loses_no_math():
    """The guess found '</p>' and read the rest as HTML: 'n<d and d>m' became 'nm' (the parser
    took '<d and d>' for a tag). The tags beyond doubt are dropped, the math is kept."""
    description = (
        "&lt;p&gt;We study the regime n&lt;d and d&gt;m, where &lt;em&gt;sparse&lt;/em&gt; probes fail."
        "&lt;/p&gt;&lt;p&gt;For all 0&lt;t&lt;T the bound holds.&lt;/p&gt;"
    )
    title = "Heads with &lt;i&gt;k&lt;/i&gt;&lt;n: when h&lt;n and n&gt;2"
    paper = entry(rss(title, description))
    assert paper.abstract == (
        "We study the regime n<d and d>m, where sparse probes fail. For all 0<t<T the bound holds."
    )
    assert paper.title == "Heads with k<n: when h<n and n>2"
    untyped = atom(f"<title>{title}</title>", f"<summary>{description}</summary>")
    assert entry(untyped).abstract == paper.abstract and entry(untyped).title == paper.title


def test_html_the_parser_reads_whole_is_still_read_by_it():
    """Where nothing outside the tags is lost, the parser's reading stands: links, scripts,
    comments, entities."""
    description = (
        "&lt;p&gt;Errors fall as 1/n for n &amp;gt; 10 &lt;a href='https://lab.example'&gt;(code)&lt;/a&gt;."
        "&lt;!-- internal note --&gt;&lt;script&gt;if (a&lt;b) track()&lt;/script&gt;&lt;/p&gt;"
    )
    assert entry(rss("Rates", description)).abstract == "Errors fall as 1/n for n > 10 (code)."


def test_a_script_is_dropped_up_to_its_own_end_tag_and_the_text_after_it_kept():
    """A script's code is raw text up to ``</script>``, as HTML reads it: a '<script>' in its code
    opened nothing. Counted as a nested script, it dropped the rest of the abstract beside math;
    a '</style>' in it ended nothing, and showed the code after it."""
    description = (
        "&lt;p&gt;Sparse probes.&lt;/p&gt;&lt;script&gt;var tag = '&lt;script&gt;';&lt;/script&gt;"
        "&lt;p&gt;We bound n&lt;d and d&gt;m.&lt;/p&gt;"
    )
    assert entry(rss("Probes", description)).abstract == "Sparse probes. We bound n<d and d>m."
    styled = description.replace("'&lt;script&gt;'", "'&lt;/style&gt;' + track()")
    assert entry(rss("Probes", styled)).abstract == "Sparse probes. We bound n<d and d>m."


def test_html_a_feed_did_not_escape_is_read_as_its_elements():
    """A feed that puts its HTML in as XML elements (not escaped, not marked xhtml): only the text
    before the first element was read ('Sparse', the abstract empty and the paper skipped)."""
    description = "<p>We propose <em>quiet</em> adapters.</p> For n&lt;d."
    paper = entry(rss("Sparse <b>probes</b> at scale", description))
    assert (paper.title, paper.abstract) == ("Sparse probes at scale", "We propose quiet adapters. For n<d.")
    typed = atom('<title type="text">Sparse <b>probes</b> at scale</title>', "<summary>A <i>b</i></summary>")
    assert (entry(typed).title, entry(typed).abstract) == ("Sparse probes at scale", "A b")


def test_sentence_tokens_beside_html_are_kept():
    """'<s>' and '</s>', a language model's sentence tokens, are common in the abstracts this tool
    reads; as strikethrough they are all but unheard of there. Taken for tags beyond doubt, they
    were dropped from a text guessed to be HTML."""
    description = "&lt;p&gt;We wrap each sentence in &lt;s&gt; and &lt;/s&gt; tokens.&lt;/p&gt;"
    assert entry(rss("Tokens", description)).abstract == "We wrap each sentence in <s> and </s> tokens."


def test_a_tag_with_a_bare_attribute_is_a_tag_beside_math_too():
    """``<script async src=...>``, ``<input type=checkbox disabled>``: a boolean attribute has no
    value. Such a tag was not one beyond doubt: the parser's reading and the literal one
    differed, the literal one was taken, and the tag (and the script's code) showed in the email."""
    description = (
        "&lt;p&gt;Sparse probes &lt;input type='checkbox' disabled&gt; done.&lt;/p&gt;"
        '&lt;script async src="https://lab.example/t.js"&gt;track()&lt;/script&gt;'
    )
    assert entry(rss("Probes", description)).abstract == "Sparse probes done."
    beside_math = description.replace("done.", "done for n&lt;d and d&gt;m.")
    assert entry(rss("Probes", beside_math)).abstract == "Sparse probes done for n<d and d>m."


def test_an_element_opened_right_after_a_letter_and_never_closed_is_math():
    """``a<b>c`` (a < b > c) beside HTML: the parser reads a bold 'c' to the end, and the tag was
    one beyond doubt for the literal reading too, so both lost the '<b>'. An element that needs
    its end tag, opened right after a letter or digit and never closed, is text; a closed one (or
    one after a space or a tag) is still a tag."""
    description = "&lt;p&gt;For a&lt;b&gt;c and x&lt;i&gt;y the &lt;b&gt;bound&lt;/b&gt; holds.&lt;/p&gt;"
    assert entry(rss("Bounds", description)).abstract == "For a<b>c and x<i>y the bound holds."
    sloppy = "&lt;p&gt;&lt;b&gt;Highlights:&lt;/p&gt;&lt;p&gt;Sparse probes.&lt;/p&gt;"
    assert entry(rss("Probes", sloppy)).abstract == "Highlights: Sparse probes."
    closed_later = "&lt;p&gt;For a&lt;b&gt;c the &lt;b class='x'&gt;bound&lt;/b&gt; holds.&lt;/p&gt;"
    assert entry(rss("Bounds", closed_later)).abstract == "For a<b>c the bound holds."


def test_a_bare_attribute_in_a_tag_with_a_quoted_value_is_an_attribute_whatever_its_name():
    """``<a href="paper.pdf" download>`` (or ``translate``, ``webkit-playsinline``): a bare name
    the list of boolean attributes does not know. A quoted value tells a tag beyond doubt (math
    has none): the tag showed in the email, as written, when the text had math beside it."""
    description = (
        "&lt;p&gt;See the &lt;a href='https://lab.example/p.pdf' download&gt;paper&lt;/a&gt; and "
        '&lt;video src="c.mp4" controls webkit-playsinline&gt;a clip&lt;/video&gt; '
        "for n&lt;d and d&gt;m.&lt;/p&gt;"
    )
    assert entry(rss("Probes", description)).abstract == "See the paper and a clip for n<d and d>m."
    math = "&lt;p&gt;If a&lt;b and c&gt;d then &lt;b&gt;so&lt;/b&gt; it is.&lt;/p&gt;"  # no quoted value
    assert entry(rss("Bounds", math)).abstract == "If a<b and c>d then so it is."
