"""Sources that misbehave, on loopback, met by real `digest fetch` processes: what the operator
is told, and that what a server means is what is stored."""

from __future__ import annotations

import email.utils
import gzip
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.demo.http_server import LocalHttpServer, Route
from digest.store import Store

FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>probe</title>
<pubDate>Fri, 04 Dec 2026 00:00:00 -0500</pubDate>
<item><title>Café lattices for naïve probes</title>
<link>https://arxiv.org/abs/2612.09001</link><guid>oai:arXiv.org:2612.09001v1</guid>
<description>arXiv:2612.09001v1 Announce Type: new Abstract: We probe café lattices, naïvely, and
count what the probes find.</description><dc:creator>Jörg Müller</dc:creator><category>cs.LG</category></item>
</channel></rss>
"""


def fetch(workspace, url: str) -> subprocess.CompletedProcess[str]:
    """A real `digest fetch` of one `url` source named feed (one retry; the first call's url), its output."""
    text = workspace.config_path.read_text()
    if "sources:" not in text:
        sources = f"sources:\n  - kind: url\n    name: feed\n    url: {url}\n    retries: 1\n"
        workspace.config_path.write_text(text + sources)
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=Path(workspace.root))


def test_a_retry_after_given_as_an_http_date_is_said_rounded(workspace):
    """An HTTP date has whole seconds: the wait it leaves is said to a tenth of a second, not 1.26038 s."""
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    busy = Route(b"busy", status=503, content_type="text/plain", headers={"Retry-After": when})
    with LocalHttpServer(
        {"/rss": [busy, Route(FEED.encode(), content_type="application/rss+xml")]}
    ) as server:
        done = fetch(workspace, server.url("/rss"))
    assert done.returncode == 0, done.stdout + done.stderr
    said = re.fullmatch(
        r"feed: HTTP 503 Service Unavailable; trying again in (\S+) s \(try 2 of 2\)\n", done.stderr
    )
    assert said and re.fullmatch(r"\d+(\.\d)?", said[1]), done.stderr
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n"


def test_a_retry_after_of_weeks_is_said_in_whole_seconds(workspace):
    """Retry-After: 1234567 (two weeks): said as the seconds it is, not as 1.23457e+06."""
    busy = Route(b"busy", status=503, content_type="text/plain", headers={"Retry-After": "1234567"})
    with LocalHttpServer({"/rss": busy}) as server:
        done = fetch(workspace, server.url("/rss"))
        url = server.url("/rss")
    assert (done.returncode, done.stderr) == (1, ""), done.stdout + done.stderr
    assert done.stdout == (
        f"feed: failed: {url}: HTTP 503 Service Unavailable (after 1 attempt); the server asks to wait "
        "1234567 s (Retry-After), longer than we wait\n"
    )


@pytest.mark.parametrize("declared", ["header", "xml"])
def test_a_feed_in_latin_1_that_says_so_is_read_in_latin_1(workspace, declared):
    """ISO-8859-1 named in the Content-Type, or in the XML declaration alone: read as such."""
    feed, kind = FEED, "application/rss+xml; charset=ISO-8859-1"
    if declared == "xml":
        feed = FEED.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>')
        kind = "application/rss+xml"
    with LocalHttpServer({"/rss": Route(feed.encode("latin-1"), content_type=kind)}) as server:
        done = fetch(workspace, server.url("/rss"))
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n"
    with Store(workspace.root / "digest.db") as store:
        [paper] = store.papers()
    assert (paper.title, paper.authors) == ("Café lattices for naïve probes", ("Jörg Müller",))
    assert paper.abstract == "We probe café lattices, naïvely, and count what the probes find."


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_a_feed_in_utf_16_without_a_byte_order_mark_is_read_in_its_order(workspace, order):
    """charset=utf-16, no BOM, ASCII alone: each byte pair a NUL and a character, valid UTF-8 byte by byte."""
    feed = FEED.replace("é", "e").replace("ï", "i").replace("ö", "o").replace("ü", "u")
    kind = "application/rss+xml; charset=utf-16"
    with LocalHttpServer({"/rss": Route(feed.encode(order), content_type=kind)}) as server:
        done = fetch(workspace, server.url("/rss"))
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n"
    with Store(workspace.root / "digest.db") as store:
        [paper] = store.papers()
    assert (paper.title, paper.authors) == ("Cafe lattices for naive probes", ("Jorg Muller",))


def test_a_listing_of_one_paper_is_said_as_one_paper(workspace):
    with LocalHttpServer({"/rss": Route(FEED.encode(), content_type="application/rss+xml")}) as server:
        done = fetch(workspace, server.url("/rss"))
        again = fetch(workspace, server.url("/rss"))
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n", done.stderr
    assert again.stdout == "feed: 1 paper of 2026-12-04: already ingested, nothing new\n"


def item(arxiv_id: str, title: str, abstract: str) -> dict:
    paper = {"id": arxiv_id, "title": title, "summary": abstract, "authors": [{"name": "Ana Lind"}]}
    return {"paper": paper, "publishedAt": "2026-12-04T09:00:00.000Z"}


def test_a_paper_listed_twice_in_one_document_is_counted_once_and_said(workspace):
    """Item 3 lists item 1's paper again (another title): one paper, not "1 known"."""
    items = [
        item("2612.09001", "Sparse probes for lattice maps", "We map lattices with sparse probes."),
        item("2612.09002", "Counting probes in the dark", "We count probes without light."),
        item("2612.09001", "Sparse probes for lattice maps (v2)", "We map lattices with fewer probes."),
    ]
    with LocalHttpServer({"/daily": Route(json.dumps(items).encode())}) as server:
        done = fetch(workspace, server.url("/daily"))
    assert done.returncode == 0, done.stdout + done.stderr
    said = "feed: 2 papers of 2026-12-04: 2 new, 0 known; item 3 lists 2612.09001 again (item 1)\n"
    assert done.stdout == said
    with Store(workspace.root / "digest.db") as store:
        assert sorted(p.title for p in store.papers()) == [
            "Counting probes in the dark",
            "Sparse probes for lattice maps",
        ]


def test_a_paper_without_an_id_listed_twice_is_counted_once_and_said(workspace):
    """Items 1 and 3 without an arXiv id, of one title as the store keys it: one paper."""
    items = [
        item("", "Sparse probes for lattice maps", "We map lattices with sparse probes."),
        item("2612.09002", "Counting probes in the dark", "We count probes without light."),
        item("", "Sparse Probes for Lattice Maps.", "We map lattices with sparse probes."),
    ]
    for listed in items[0], items[2]:
        del listed["paper"]["id"]
    with LocalHttpServer({"/daily": Route(json.dumps(items).encode())}) as server:
        done = fetch(workspace, server.url("/daily"))
    assert done.returncode == 0, done.stdout + done.stderr
    again = "item 3 lists 'Sparse Probes for Lattice Maps.' again (item 1)"
    assert done.stdout == f"feed: 2 papers of 2026-12-04: 2 new, 0 known; {again}\n"
    with Store(workspace.root / "digest.db") as store:
        assert len(store.papers()) == 2


def test_a_document_over_a_dumps_limit_is_refused_as_it_comes_and_not_kept(workspace):
    """11 MB of daily papers: past the 10 MB a listing may have, refused before it is all read."""
    one = item("2612.09001", "Sparse probes for lattice maps", "We map lattices with sparse probes. " * 40)
    body = json.dumps([one] * 7000).encode()
    assert 10 * 2**20 < len(body) < 12 * 2**20
    with LocalHttpServer({"/daily": Route(body)}) as server:
        done = fetch(workspace, server.url("/daily"))
        url = server.url("/daily")
    assert (done.returncode, done.stderr) == (1, ""), done.stdout + done.stderr
    assert done.stdout == f"feed: failed: {url}: the document is larger than 10,485,760 bytes; refused\n"
    assert not (workspace.root / "inbox" / "failed").exists()


@pytest.mark.parametrize("charset", ["ISO-8859-1", "UTF-16"])
def test_a_document_under_the_limit_as_sent_over_it_in_utf8_is_refused_as_it_comes(workspace, charset):
    """5.5 MB of Latin-1 (é: one byte, two in UTF-8), or 8 MB of UTF-16 (語: two bytes, three in
    UTF-8): under the limit as sent, over it as the UTF-8 the readers take. It was kept in failed/,
    said as a dump 'over the limit of 10 MB for a dump'; the fetch refuses it as it does any
    document over the limit, saying what came and what it grew to, and keeps nothing."""
    letter, count = ("é", 2540) if charset == "ISO-8859-1" else ("語", 1900)
    papers = [item(f"2612.{10000 + n}", f"Paper {n}", letter * 2000) for n in range(count)]
    body = json.dumps(papers, ensure_ascii=False).encode(charset)
    assert len(body) < 10 * 2**20 < len(body.decode(charset).encode())
    with LocalHttpServer(
        {"/daily": Route(body, content_type=f"application/json; charset={charset}")}
    ) as server:
        done = fetch(workspace, server.url("/daily"))
        url = server.url("/daily")
    assert (done.returncode, done.stderr) == (1, ""), done.stdout + done.stderr
    grown = "the document is larger than 10,485,760 bytes in UTF-8"
    grown += f" ({len(body):,} bytes as sent, in {charset.lower()})"
    assert done.stdout == f"feed: failed: {url}: {grown}; refused\n"
    assert not (workspace.root / "inbox" / "failed").exists()


def test_a_day_of_pages_under_a_dumps_limit_is_saved_under_it(workspace):
    """49 compact pages of 4,900 papers, 10,313,439 bytes in all (under the 10 MB counted as they
    come): the day's document is no larger, and is read."""
    papers = [
        item(f"2612.{10000 + n}", f"Invented paper number {n}", "An invented abstract. " * 61)
        for n in range(4900)
    ]
    for listed in papers:
        listed["paper"]["authors"] = [{"name": f"Au{k}"} for k in range(40)]

    def day(query: dict[str, str]) -> Route:
        start = int(query.get("p", 0)) * 100
        return Route(json.dumps(papers[start : start + 100], separators=(",", ":")).encode())

    with LocalHttpServer({"/api/daily_papers": day}) as server:
        url = server.url("/api/daily_papers") + "?date={date}"
        sources = f"sources:\n  - kind: hf_daily\n    name: feed\n    url: {url}\n"
        workspace.config_path.write_text(workspace.config_path.read_text() + sources)
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "fetch"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=workspace.root)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert done.stdout == "feed: 4900 papers of 2026-12-04: 4900 new, 0 known\n"
    [saved] = (workspace.root / "inbox" / "processed").iterdir()
    assert saved.stat().st_size < 10 * 2**20


def test_an_html_page_answered_with_200_is_kept_in_failed_as_html(workspace):
    """A server's error page sent as 200 is refused; its copy in failed/ is named .html, as it is,
    and still its source's: the next fetch of the same page keeps it once."""
    page = b"<!DOCTYPE html>\n<html><head><title>Down</title></head><body>Maintenance</body></html>\n"
    with LocalHttpServer({"/rss": Route(page, content_type="text/html")}) as server:
        done = fetch(workspace, server.url("/rss"))
        again = fetch(workspace, server.url("/rss"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "an HTML page, not a listing" in done.stdout
    failed = sorted(p.name for p in (workspace.root / "inbox" / "failed").iterdir())
    assert len(failed) == 2 and failed[0].endswith(".html"), failed
    assert failed[1] == failed[0] + ".error.txt"
    assert again.stdout == done.stdout, again.stdout


@pytest.mark.parametrize("kind", ["application/rss+xml", "application/rss+xml; charset=utf-8"])
def test_a_feed_not_in_utf8_that_names_no_charset_or_utf8_is_said_as_the_sources_fault(workspace, kind):
    """Latin-1 bytes with no character set named (or UTF-8 named falsely): the source's document
    is wrong, said with its byte, its URL and the source's key; not "save the dump as UTF-8"."""
    with LocalHttpServer({"/rss": Route(FEED.encode("latin-1"), content_type=kind)}) as server:
        done = fetch(workspace, server.url("/rss"))
        url = server.url("/rss")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "save the dump" not in done.stdout
    claim = (
        "and its server names no character set" if kind.endswith("xml") else "though its server says it is"
    )
    said = re.fullmatch(
        rf"feed: failed: (\S+\.xml):4: the document at {re.escape(url)} is not UTF-8 text "
        rf"\(byte 0xe9 at offset 182\), {claim}[^:]*: (.*)\n",
        done.stdout,
    )
    assert said, done.stdout
    assert f"sources[0].url in {workspace.config_path}" in said[2]
    assert (workspace.root / "inbox" / "failed" / Path(said[1]).name).exists()


BAD_GZIP = Route(b"not gzip at all", content_type="application/rss+xml", headers={"Content-Encoding": "gzip"})


def test_a_compressed_body_that_does_not_decompress_is_said_plainly_and_tried_once_more(workspace):
    """Said in a user's words, tried again once (a cache's or a proxy's moment), not at every retry:
    the try after it said so, not "(try 2 of 4)" as the retries of a server down are."""
    with LocalHttpServer({"/rss": BAD_GZIP}) as server:
        url = server.url("/rss")
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text + f"sources:\n  - kind: url\n    name: feed\n    url: {url}\n")
        done = fetch(workspace, url)
        asked = len(server.requests)
    assert done.returncode == 1, done.stdout + done.stderr
    compressed = "the server sent a compressed body (Content-Encoding: gzip) that does not decompress"
    assert done.stdout == f"feed: failed: {url}: {compressed} (incorrect header check) (after 2 attempts)\n"
    assert re.fullmatch(
        rf"feed: {re.escape(compressed)} .*; trying once more in 2 s "
        r"\(the last try if it does not decompress either\)\n",
        done.stderr,
    )
    assert asked == 2


def test_a_compressed_body_that_decompresses_the_second_time_is_read(workspace):
    feed = Route(FEED.encode(), content_type="application/rss+xml")
    with LocalHttpServer({"/rss": [BAD_GZIP, feed]}) as server:
        done = fetch(workspace, server.url("/rss"))
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n", done.stdout + done.stderr


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_is_said_with_the_key_to_update(workspace, status):
    """Followed, and said in the fetch's line, with the address to put in the source's url: once
    per fetch. A temporary one (302) is followed without a word."""
    feed = Route(FEED.encode(), content_type="application/rss+xml")
    routes = {"/old": Route(status=status, headers={"Location": "/rss"}), "/rss": feed}
    with LocalHttpServer(routes) as server:
        done = fetch(workspace, server.url("/old"))
        new = server.url("/rss")
    moved = f" (moved permanently to {new}: update sources[0].url in {workspace.config_path})"
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert done.stdout == f"feed: 1 paper of 2026-12-04: 1 new, 0 known{moved}\n"


def test_a_temporary_redirect_is_followed_without_a_word(workspace):
    feed = Route(FEED.encode(), content_type="application/rss+xml")
    routes = {"/old": Route(status=302, headers={"Location": "/rss"}), "/rss": feed}
    with LocalHttpServer(routes) as server:
        done = fetch(workspace, server.url("/old"))
    assert done.stdout == "feed: 1 paper of 2026-12-04: 1 new, 0 known\n", done.stdout + done.stderr


def test_the_same_day_fetched_again_with_a_corrected_abstract_says_the_first_is_kept(workspace):
    """The source corrects one abstract of a day fetched already: the first one is kept (README,
    "Sources": the first source's title and abstract), and the fetch says so, not "2 known" alone."""
    first = [
        item("2612.09001", "Sparse probes for lattice maps", "We map lattices with sparse probes."),
        item("2612.09002", "Counting probes in the dark", "We count probes without light."),
    ]
    corrected = [first[0], item("2612.09002", "Counting probes in the dark", "We count probes in the dark.")]
    answers = [Route(json.dumps(first).encode()), Route(json.dumps(corrected).encode())]
    with LocalHttpServer({"/daily": answers}) as server:
        done = fetch(workspace, server.url("/daily"))
        again = fetch(workspace, server.url("/daily"))
    assert done.stdout == "feed: 2 papers of 2026-12-04: 2 new, 0 known\n", done.stdout + done.stderr
    kept = "1 known with another abstract: kept the first"
    assert again.stdout == f"feed: 2 papers of 2026-12-04: 0 new, 2 known; {kept}\n", (
        again.stdout + again.stderr
    )
    with Store(workspace.root / "digest.db") as store:
        abstracts = sorted(p.abstract for p in store.papers())
    assert abstracts == ["We count probes without light.", "We map lattices with sparse probes."]


def test_a_gzip_body_of_several_members_is_read_whole(workspace):
    """A gzip body may be several members one after the other (RFC 1952; a server or a cache
    that writes it in parts): only the first was read, and the rest dropped without a word."""
    body = FEED.encode()
    cut = body.index(b"<item>")
    packed = gzip.compress(body[:cut]) + gzip.compress(body[cut:])
    route = Route(packed, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"})
    with LocalHttpServer({"/rss": route}) as server:
        done = fetch(workspace, server.url("/rss"))
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr
    assert done.stdout.startswith("feed: 1 paper"), done.stdout
    assert not (workspace.root / "inbox" / "failed").exists()


def test_a_gzip_body_cut_short_is_said_as_not_decompressing(workspace):
    """A gzip body whose end is missing though the answer came whole (its Content-Length met: a
    cache that stored a cut body) was read as far as it went and the document blamed."""
    packed = gzip.compress(FEED.encode())[:-60]
    route = Route(packed, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"})
    with LocalHttpServer({"/rss": route}) as server:
        url = server.url("/rss")
        done = fetch(workspace, url)
    compressed = "the server sent a compressed body (Content-Encoding: gzip) that does not decompress"
    expected = f"feed: failed: {url}: {compressed} (incomplete or truncated stream) (after 2 attempts)\n"
    assert done.stdout == expected, done.stdout + done.stderr
    assert not (workspace.root / "inbox" / "failed").exists()
