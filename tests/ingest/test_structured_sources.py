"""The structured formats: Hugging Face daily papers JSON, arXiv Atom (query API and listing
feeds) and arXiv RSS. Each is recognised by its content, whatever the file is called."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers.daily_papers import as_the_api_sends
from helpers.fetch_sources import older_shape

from digest.errors import DumpError
from digest.ingest.sources import parse_dump
from digest.ingest.sources.fields import arxiv_id

FIXTURES = Path(__file__).with_name("fixtures")
MTIME = dt.datetime(2026, 11, 30, 9, 0)


def read(name: str, as_name: str = "fetched.dump"):
    return parse_dump((FIXTURES / name).read_bytes(), Path(as_name), MTIME)


def test_the_daily_papers_json_gives_ids_authors_upvotes_and_links():
    listing = read("hf_daily.json")
    assert listing.format == "hf_daily"
    # as the API sends it: the day of the daily page (paper.submittedOnDailyAt), not the arXiv day
    assert listing.day == dt.date(2026, 11, 27) and listing.page_day
    first = listing.entries[0]
    assert first.arxiv_id == "2611.01001"
    assert first.title == "Tidal Memory Layers for Long-Context Language Models"  # whitespace folded
    assert first.authors == ("Lena Marsh", "Oskar Vell", "Priya Ranganathan", "Jun Takeda", "Amara Osei")
    assert first.upvotes == 42
    assert first.code_url == "https://github.com/example/tidal-memory"
    assert first.project_url == "https://example.org/tidal"
    assert listing.entries[1].code_url is None and listing.entries[1].project_url is None
    assert [e.line for e in listing.entries] == [1, 2, 3]  # the item's number, for messages


def test_the_daily_papers_as_the_api_sends_them_are_of_the_day_of_their_daily_page():
    """Monday's page, its papers submitted to arXiv on Friday (one two weeks before): Monday's
    list (paper.submittedOnDailyAt), whatever the items' and the papers' publishedAt say."""
    monday, friday = dt.date(2026, 12, 7), dt.date(2026, 12, 4)
    document = as_the_api_sends(monday, friday, ["Graph probes", "Graph sketches", "A late survey"], 10001)
    assert {item["publishedAt"][:10] for item in json.loads(document)} == {"2026-12-04", "2026-11-20"}
    listing = parse_dump(document, Path("fetched.dump"), MTIME)
    assert listing.format == "hf_daily" and listing.day == monday and listing.page_day
    assert [e.arxiv_id for e in listing.entries] == ["2612.10001", "2612.10002", "2612.10003"]


def test_the_daily_papers_in_the_older_shape_are_of_the_day_of_the_items_publishedAt():
    """As older answers and other mirrors send them: no paper.submittedOnDailyAt, the items'
    publishedAt on the list's day; the day of those, not the papers' (the arXiv day)."""
    document = older_shape(dt.date(2026, 11, 27))  # hf_daily.json's papers, of arXiv's 2026-11-26
    assert {item["paper"]["publishedAt"][:10] for item in json.loads(document)} == {"2026-11-26"}
    listing = parse_dump(document, Path("fetched.dump"), MTIME)
    assert listing.format == "hf_daily" and listing.day == dt.date(2026, 11, 27) and not listing.page_day
    assert [e.arxiv_id for e in listing.entries] == ["2611.01001", "2611.01002", "2611.01003"]


def test_an_empty_daily_papers_array_is_an_empty_listing_of_the_files_day():
    listing = parse_dump(b"[]\n", Path("weekend.json"), MTIME)
    assert listing.entries == () and listing.day == MTIME.date()


def test_the_rss_listing_keeps_new_and_cross_lists_and_skips_replacements():
    listing = read("arxiv_listing.rss")
    assert listing.format == "arxiv_rss"
    assert listing.day == dt.date(2026, 11, 27)
    assert [e.arxiv_id for e in listing.entries] == ["2611.01002", "2611.01010", "2611.01011"]
    cross = listing.entries[1]
    assert cross.authors == ("Hana Sato", "Elias Brandt", "Noor Haddad", "Pablo Ruiz")
    assert cross.categories == ("q-bio.BM", "cs.LG")
    assert cross.abstract.startswith("Folding patterns")  # the "arXiv:... Announce Type" prefix is gone
    assert "<10 residues & more" in cross.abstract
    assert listing.entries[2].title == "Quiet Channels: Low-Rank Adapters That Forget Gracefully"


def test_the_atom_listing_reads_like_the_rss_one():
    atom, rss = read("arxiv_listing.atom"), read("arxiv_listing.rss")
    assert atom.format == "arxiv_atom" and atom.day == rss.day
    assert [(e.arxiv_id, e.title, e.abstract) for e in atom.entries] == [
        (e.arxiv_id, e.title, e.abstract) for e in rss.entries if e.arxiv_id != "2611.01010"
    ]
    assert atom.entries[0].authors == ("Mira Okafor", "Tomasz Wren")


def test_the_query_api_atom_gives_versionless_ids_and_the_primary_category_first():
    listing = read("arxiv_query.atom")
    spiking, old = listing.entries
    assert spiking.arxiv_id == "2611.01003" and old.arxiv_id == "hep-th/9901001"
    assert spiking.title == "Spiking Attention Without Softmax"
    assert spiking.categories == ("cs.NE", "cs.LG")
    assert spiking.authors == ("Iris Abernathy", "Kofi Mensah", "Sun Li")
    assert listing.day == dt.date(2026, 11, 28)


def test_a_weekend_feed_with_no_items_is_an_empty_listing_not_an_error():
    listing = read("arxiv_weekend.rss")
    assert listing.entries == () and listing.day == dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.json", "fetched.dump:3: not valid JSON"),
        ("malformed.xml", "fetched.dump:4: not well-formed XML"),
        ("bomb.xml", "fetched.dump: refused: the XML declares entities"),
    ],
)
def test_malformed_json_and_xml_and_xml_bombs_are_refused_with_the_file_named(name, message):
    with pytest.raises(DumpError) as err:
        read(name)
    assert str(err.value).startswith(message)


def test_json_nested_too_deeply_is_refused_as_a_dump_not_a_crash():
    with pytest.raises(DumpError, match=r"deep.json:1: not a daily papers JSON: .* nested too deeply"):
        parse_dump(b"[" * 5000 + b"]" * 5000, Path("deep.json"), MTIME)


def test_an_upvote_count_no_database_integer_holds_is_dropped_with_the_paper_kept():
    item = '{"paper": {"id": "2611.00001", "title": "T", "summary": "S", "upvotes": %d}}'
    listing = parse_dump(f"[{item % 2**63}, {item % 7}]".encode(), Path("x.json"), MTIME)
    assert [e.upvotes for e in listing.entries] == [None, 7]


def test_a_json_error_object_is_refused_with_what_the_server_said():
    with pytest.raises(DumpError, match="found an object: the server said 'Invalid date'"):
        parse_dump(b'{"error": "Invalid date"}', Path("x.json"), MTIME)


def test_an_item_without_a_title_is_named_by_its_number():
    raw = b'[{"paper": {"id": "2611.00001", "summary": "text"}}]'
    with pytest.raises(DumpError, match=r"x.json: item 1: paper.title is missing"):
        parse_dump(raw, Path("x.json"), MTIME)


def test_the_arxiv_query_api_error_entry_is_an_error():
    raw = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#bad</id>'
        b"<title>Error</title><summary>incorrect id format</summary></entry></feed>"
    )
    with pytest.raises(DumpError, match="the arXiv API reported an error: incorrect id format"):
        parse_dump(raw, Path("q.atom"), MTIME)


def test_unknown_xml_is_named():
    with pytest.raises(DumpError, match="not a listing dump this tool can read"):
        parse_dump(b"<rdf:RDF><item>not ours</item></rdf:RDF>", Path("x.rdf"), MTIME)


@pytest.mark.parametrize(
    "page",
    [b"<html><body>Rate limited</body></html>", b"\n<!DOCTYPE html>\n<html lang=en><title>503</title>"],
)
def test_an_html_page_served_in_place_of_a_listing_is_named_as_one(page):
    with pytest.raises(DumpError, match=r"x:\d: an HTML page, not a listing \(a server's error, sign-in"):
        parse_dump(page, Path("x"), MTIME)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2403.01234", "2403.01234"),
        ("2403.01234v3", "2403.01234"),
        ("http://arxiv.org/abs/2403.01234v2", "2403.01234"),
        ("https://arxiv.org/pdf/2403.01234v2.pdf", "2403.01234"),
        ("oai:arXiv.org:2403.01234v1", "2403.01234"),
        ("arXiv:0704.0001", "0704.0001"),
        ("math.GT/0309136v1", "math.GT/0309136"),
        ("not an id", None),
        ("", None),
    ],
)
def test_arxiv_ids_lose_their_version_wherever_they_come_from(text, expected):
    assert arxiv_id(text) == expected


def test_replacements_are_kept_when_asked_for():
    raw = (FIXTURES / "arxiv_listing.rss").read_bytes()
    listing = parse_dump(raw, Path("f.rss"), MTIME, replacements=True)
    assert "2609.00500" in [e.arxiv_id for e in listing.entries]
    atom = parse_dump(
        (FIXTURES / "arxiv_listing.atom").read_bytes(), Path("f.atom"), MTIME, replacements=True
    )
    assert len(atom.entries) == 3


def test_control_characters_and_bidi_overrides_written_as_escapes_are_dropped_like_raw_ones():
    # JSON's \u escapes and XML's character references are decoded after the file's own
    # control characters were dropped: what they make is dropped from every text field too.
    item = {
        "paper": {
            "id": "2611.00001",
            "title": "Robots\u001b[2J\u0007 that \u202eesrever\u202c read\u0000 on",
            "summary": "About\u001b]0;pwned\u0007 robots.",
            "authors": [{"name": "Eve\u202e evE"}],
            "githubRepo": "https://github.com/x/y\n\n   Unsubscribe: https://evil.example",
            "projectPage": "https://example.org/p\u001b[2J",
        }
    }
    (paper,) = parse_dump(json.dumps([item]).encode(), Path("x.json"), MTIME).entries
    assert paper.title == "Robots[2J that esrever read on"
    assert paper.abstract == "About]0;pwned robots."
    assert paper.authors == ("Eve evE",)
    assert paper.code_url is None and paper.project_url is None  # not a URL: no link at all
    rss = (
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<pubDate>Fri, 27 Nov 2026 00:00:00 -0500</pubDate><item>"
        "<title>Robots &#x202E;esrever&#x202C; read</title><link>https://arxiv.org/abs/2611.00002</link>"
        "<description>About &#x2066;isolated&#x2069; robots.</description>"
        "<dc:creator>Eve &#x202E;evE</dc:creator></item></channel></rss>"
    )
    (item,) = parse_dump(rss.encode(), Path("x.rss"), MTIME).entries
    assert (item.title, item.abstract, item.authors) == (
        "Robots esrever read",
        "About isolated robots.",
        ("Eve evE",),
    )


def test_a_feed_whose_declaration_names_another_encoding_than_its_utf8_bytes_keeps_its_accents():
    raw = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<entry><id>http://arxiv.org/abs/2611.00007v1</id><title>Café Networks — a naïve view</title>"
        "<summary>Ölçü and señal.</summary><author><name>Zoë Ångström</name></author></entry></feed>"
    ).encode()
    (entry,) = parse_dump(raw, Path("q.atom"), MTIME).entries
    assert (entry.title, entry.abstract, entry.authors) == (
        "Café Networks — a naïve view",
        "Ölçü and señal.",
        ("Zoë Ångström",),
    )


def test_the_daily_papers_json_is_read_as_the_text_it_is_entities_included(tmp_path):
    # Test-only: sound as found. The API's JSON strings are plain text (arXiv's abstract, its line
    # breaks and quotes as they are: "\"hallucinations\""), never HTML: "&amp;" in one is what the
    # authors wrote (a paper on HTML escaping), kept as typed and escaped once where it is shown.
    item = {
        "paper": {"id": "2612.40001", "title": "Why &amp; is not & in <b>HTML</b>", "summary": 'Say "&lt;".'}
    }
    listing = parse_dump(json.dumps([item]).encode(), tmp_path / "d.json", dt.datetime(2026, 12, 5))
    (entry,) = listing.entries
    assert (entry.title, entry.abstract) == ("Why &amp; is not & in <b>HTML</b>", 'Say "&lt;".')
