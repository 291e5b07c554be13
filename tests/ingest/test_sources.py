"""Reading listing dumps: what real files do is tolerated; what cannot be read is named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.errors import DumpError
from digest.ingest.sources import parse_dump, read_dump

from conftest import make_dump

MTIME = dt.datetime(2026, 3, 20, 9, 0)
PAPERS = [("A Title", "An abstract about things."), ("Another Title", "Its abstract.")]


def parse(raw: bytes | str, mtime: dt.datetime = MTIME):
    if isinstance(raw, str):
        raw = raw.encode()
    return parse_dump(raw, Path("day.txt"), mtime)


def test_the_five_shared_dumps_hold_402_entries(shared_dumps):
    listings = [read_dump(p) for p in shared_dumps]
    assert sum(len(x.entries) for x in listings) == 402
    assert [f"{x.day:%b} {x.day.day}" for x in listings] == ["Mar 14", "Apr 1", "May 22", "Mar 14", "Mar 12"]
    first = listings[0].entries[0]
    assert first.title.startswith("FBNetV3") and first.abstract.startswith("Neural Architecture")


def test_a_plain_dump_gives_its_day_and_papers():
    listing = parse(make_dump("Mar 14", PAPERS))
    assert listing.day == dt.date(2026, 3, 14)
    assert [(e.title, e.abstract) for e in listing.entries] == PAPERS
    assert listing.entries[1].line == 15


def test_the_year_is_the_most_recent_such_day_not_after_the_file_time():
    text = make_dump("Dec 31", PAPERS)
    assert parse(text, dt.datetime(2027, 1, 2)).day == dt.date(2026, 12, 31)
    assert parse(text, dt.datetime(2026, 12, 31, 0, 5)).day == dt.date(2026, 12, 31)
    # a day ahead of the file's clock is today's listing in a zone east of it, not last year's
    assert parse(text, dt.datetime(2026, 12, 30, 23, 10)).day == dt.date(2026, 12, 31)
    assert parse(text, dt.datetime(2026, 12, 29, 23, 10)).day == dt.date(2025, 12, 31)
    leap = make_dump("Feb 29", PAPERS)
    assert parse(leap, dt.datetime(2026, 3, 1)).day == dt.date(2024, 2, 29)


def test_crlf_bom_trailing_spaces_extra_blank_lines_and_no_final_newline_are_tolerated():
    clean = parse(make_dump("Mar 14", PAPERS))
    messy = make_dump("Mar 14", PAPERS).replace("\n\n", "\n  \n\n\n").replace("\n", "  \r\n")
    messy_bytes = b"\xef\xbb\xbf" + messy.rstrip().encode()
    listing = parse(messy_bytes)
    assert listing.entries == tuple(
        e.__class__(e.title, e.abstract, listing.entries[i].line) for i, e in enumerate(clean.entries)
    )
    assert listing.sha256 == clean.sha256  # the same dump, however it was saved


def test_a_paragraph_wrapped_over_lines_is_joined():
    listing = parse(make_dump("Mar 14", [("Wrapped\ntitle", "line one\nline two")]))
    assert listing.entries[0].title == "Wrapped title"
    assert listing.entries[0].abstract == "line one line two"


def test_unicode_line_and_paragraph_separators_are_spaces():
    # Left in a title, U+2028 broke it over two lines in the text part and the terminal; the
    # structured formats fold them with the other whitespace.
    listing = parse(make_dump("Mar 14", [("Wrapped\u2028title", "line one\u2029line two")]))
    assert listing.entries[0].title == "Wrapped title"
    assert listing.entries[0].abstract == "line one line two"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "day.txt:1: the file is empty"),
        (b"  \n\n \n", "day.txt:1: the file is empty"),
        (
            make_dump("Mar 14", PAPERS).replace("Mar 14\n\n", "").encode(),
            "day.txt:9: no day line: expected the listing's day",
        ),
        (
            make_dump("Mar 14", [*PAPERS, ("Lonely Title", "x")]).rsplit("\n\n", 1)[0].encode(),
            "day.txt:19: the title 'Lonely Title' has no abstract after it",
        ),
        (
            make_dump("Mar 14", PAPERS).replace("Another Title", "Caf\xe9").encode("latin-1"),
            "day.txt:15: not UTF-8 text (byte 0xe9",
        ),
        (b"Some notes\n\nthat are not a listing\n", "day.txt:1: not a listing dump this tool can read"),
        (
            make_dump("Mar 14", [("T1", "A" * 500), ("T2", "B" * 500)]).replace("T2\n\n", "").encode(),
            "day.txt:15: expected a paper title but found a 500-character paragraph",
        ),
        (make_dump("Apr 31", PAPERS).encode(), "day.txt:9: Apr 31 is not a day of the year"),
    ],
    ids=[
        "empty",
        "blank",
        "no-day",
        "title-without-abstract",
        "not-utf8",
        "unknown-format",
        "abstract-missing-mid-file",
        "impossible-day",
    ],
)
def test_unreadable_dumps_are_rejected_with_file_and_line(raw, message):
    with pytest.raises(DumpError) as info:
        parse(raw)
    assert str(info.value).startswith(message)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DumpError, match="nope.txt: cannot read the file"):
        read_dump(tmp_path / "nope.txt")
