"""A feed item without an arXiv id is found by its title's key; a title digest now reads
otherwise than it did (a feed's HTML: the text before an XML element, ``<s>`` tokens, an Atom
``type="text"`` field, HTML beside math, ``a<b>c``) made the item a second
paper when the feed, which keeps its items for days, gave it again. The reader names the
readings digest gave such a title before; a paper stored without an id under one of them, whose
abstract says the same, is the item."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.ingest.sources import parse_dump
from digest.models import Entry, Listing
from digest.store import Store

pytestmark = pytest.mark.backends

NOW = dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC)
ABSTRACT = "We wrap each sentence of the corpus in sentence tokens and train a small probe on them."


def rss(title: str, description: str = ABSTRACT) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>A lab's papers</title>
  <pubDate>Thu, 03 Dec 2026 08:00:00 GMT</pubDate>
  <item><title>{title}</title><link>https://lab.example/papers/17</link>
    <description>{description}</description></item>
</channel></rss>
""".encode()


def atom_text(title: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A lab</title><updated>2026-12-03T08:00:00Z</updated>
  <entry><id>https://lab.example/papers/17</id><title type="text">{title}</title>
    <summary>{ABSTRACT}</summary></entry>
</feed>
""".encode()


def stored_before(store: Store, title: str, abstract: str = ABSTRACT) -> None:
    """The item as an earlier version of digest stored it: under ``title``, without an id."""
    entry = Entry(title, abstract, 1)
    store.add_listing(Listing(Path("before.xml"), NOW.date(), (entry,), f"sha-{title}", "arxiv_rss"), NOW)


def fetched_again(store: Store, document: bytes) -> None:
    listing = parse_dump(document, Path("feed.xml"), NOW.replace(tzinfo=None))
    store.add_listing(listing, NOW)


@pytest.mark.parametrize(
    ("before", "document"),
    [
        ("Sparse", rss("Sparse <b>probes</b> at scale")),  # the text before the first element
        ("Tokens and in probes", rss("Tokens &lt;s&gt; and &lt;/s&gt; in &lt;i&gt;probes&lt;/i&gt;")),
        ("Tokens like and", atom_text("Tokens like &lt;br&gt; and &lt;/p&gt;")),  # type="text" guessed
        ("Heads ab and small", rss("Heads a&lt;d and d&gt;b and &lt;i&gt;small&lt;/i&gt;")),  # the parser's
        ("Heads ac for small", rss("Heads a&lt;b&gt;c for &lt;i&gt;small&lt;/i&gt;")),  # math as a tag
    ],
)
def test_an_item_stored_under_an_earlier_reading_of_its_title_is_that_paper(db_at, before, document):
    with Store(db_at) as store:
        stored_before(store, before)
        fetched_again(store, document)
        (paper,) = store.papers()
    assert paper.title == before  # the stored paper, found (its title as it was stored)


def test_a_paper_under_that_title_with_another_abstract_is_another_paper(db_at):
    with Store(db_at) as store:
        stored_before(store, "Sparse", "A survey of sparse methods in numerical linear algebra since 1970.")
        fetched_again(store, rss("Sparse <b>probes</b> at scale"))
        assert sorted(p.title for p in store.papers()) == ["Sparse", "Sparse probes at scale"]


def test_an_item_whose_abstract_says_nothing_is_not_found_by_an_earlier_reading_alone(db_at):
    """An abstract with no word of four letters or more ("TBD.") cannot tell two papers apart, and
    an earlier reading may be short and generic (the text before an element): two papers of one
    feed, "Sparse <b>probes</b>" stored as "Sparse" and "Sparse <b>codes</b>" fetched now, would be
    merged by it. Nothing stored tells them apart (earlier versions kept no item's link): two."""
    with Store(db_at) as store:
        stored_before(store, "Sparse", "TBD.")
        fetched_again(store, rss("Sparse <b>codes</b> for audio", "TBD."))
        assert sorted(p.title for p in store.papers()) == ["Sparse", "Sparse codes for audio"]
