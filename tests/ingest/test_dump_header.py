"""The header of a trending dump, before its day line, is passed over whatever it says (README,
Listing dumps): a page whose header words changed is read, not refused. The day line may take
any of the unambiguous forms a user copies (a year or not, the day first or the month); one that
is none of them is refused naming the forms and the cure."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.parsed_dump import parse

from digest.errors import DumpError
from digest.store import Store

from conftest import HEADER, NOW, Workspace, make_dump

PAPERS = [
    ("Gliders That Learn to Soar", "We train gliders to find thermals. They stay aloft longer."),
    ("Sparse Maps for Small Robots", "Small robots keep sparse maps. The maps fit in a kilobyte."),
]


@pytest.mark.parametrize(
    "header",
    [
        HEADER.replace("Subscribe\n", "Subscribe now\n"),
        HEADER.replace("new\n", "New!\n"),
        HEADER + "Trending this week\n\n",
        "",
    ],
    ids=["changed-line", "changed-first-line", "added-line", "none"],
)
def test_a_header_that_says_other_words_is_passed_over(header):
    text = make_dump("Mar 14", PAPERS).replace(HEADER, header, 1)
    listing = parse(text)
    assert listing.day == dt.date(2026, 3, 14)
    assert [e.title for e in listing.entries] == [t for t, _ in PAPERS]
    assert listing.sha256 == parse(make_dump("Mar 14", PAPERS)).sha256


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("Mar 14", dt.date(2026, 3, 14)),
        ("March 14", dt.date(2026, 3, 14)),
        ("14 Mar", dt.date(2026, 3, 14)),
        ("Mar 12, 2026", dt.date(2026, 3, 12)),
        ("12 Mar 2026", dt.date(2026, 3, 12)),
        ("12 March 2026", dt.date(2026, 3, 12)),
        ("2026-03-12", dt.date(2026, 3, 12)),
        ("2025-12-31", dt.date(2025, 12, 31)),
    ],
)
def test_a_day_line_with_or_without_its_year_in_any_plain_form_is_read(day, expected):
    assert parse(make_dump(day, PAPERS)).day == expected


@pytest.mark.parametrize(
    "day", ["03/12/2026", "12.03.2026", "2026-13-01", "Someday 12", "Marble 5", "Decoding 7"]
)
def test_a_day_line_in_no_known_form_is_refused_naming_the_forms_and_the_cure(day):
    with pytest.raises(DumpError) as info:
        parse(make_dump(day, PAPERS))
    assert str(info.value) == (
        "day.txt:9: no day line: expected the listing's day after the header, on a line of its own "
        'before the first title ("Mar 14", "14 Mar", "March 14, 2026", "14 March 2026" or '
        f"\"2026-03-14\") but found '{day}'; put the day the page shows there and drop the dump in "
        "the inbox again"
    )


def test_a_day_with_its_year_that_is_no_day_of_that_year_is_refused():
    with pytest.raises(DumpError, match=r"^day.txt:9: Feb 29 is not a day of the year"):
        parse(make_dump("2026-02-29", PAPERS))


def test_digest_ingest_reads_a_dump_whose_header_changed(tmp_path):
    ws = Workspace(tmp_path)
    c = make_dump("Mar 14", PAPERS).replace("Subscribe\n", "Subscribe now\n")
    ws.dump("c.txt", c, mtime=NOW)  # saved in 2026: the listing of 2026-03-14 in any year
    ws.dump("d.txt", make_dump("2026-03-13", PAPERS))
    result = ws.cli("ingest")
    assert result.exit_code == 0, result.output
    assert "c.txt: 2026-03-14, 2 entries" in result.output
    assert "d.txt: 2026-03-13, 2 entries" in result.output
    assert not (tmp_path / "inbox" / "failed").exists()
    with Store(ws.config.database) as store:
        assert sorted(p.title for p in store.papers()) == sorted(t for t, _ in PAPERS)


@pytest.mark.parametrize("day", ["Mar 14, 2062", "2026-12-14", "14 March 2027"])
def test_a_day_with_its_year_after_the_file_was_saved_is_refused(day):
    """A year written in the day line is taken as written, but not a day after the one the file
    was saved on (and the next, as for a day without its year): a listing is saved on its day
    or after it, so that is a slip, and its papers would be dated a day to come."""
    with pytest.raises(DumpError) as info:
        parse(make_dump(day, PAPERS))
    assert str(info.value) == (
        f"day.txt:9: the day line {day!r} is after the day the file was saved (2026-03-20): a "
        "listing is saved on its day or later. A mistyped year? Put the day the page shows there "
        "and drop the dump in the inbox again"
    )


def test_a_day_with_its_year_on_the_day_after_the_file_was_saved_is_read():
    assert parse(make_dump("Mar 21, 2026", PAPERS)).day == dt.date(2026, 3, 21)


@pytest.mark.parametrize("before", [0, 1], ids=["first-title", "second-title"])
def test_a_dump_without_a_day_line_whose_title_is_a_day_is_refused_as_having_none(before):
    """A dump with no day line whose first paragraphs hold a paper titled "May 2" (a film's, a
    day's): the title was taken for the day, and the dump refused as "titles and abstracts are
    out of step" at the abstract after it, which said nothing of the day line missing."""
    papers = [*PAPERS[:before], ("May 2", "A film about one day in spring. It follows two people."), *PAPERS]
    text = make_dump("Mar 14", papers).replace("Mar 14\n\n", "", 1)
    with pytest.raises(DumpError) as info:
        parse(text)
    line = 9 + 4 * before
    assert str(info.value) == (
        f"day.txt:{line}: no day line? 'May 2' was taken for the listing's day, but the paragraph "
        f"after it (line {line + 2}: 'A film about one day in spring. It follows two people.') reads "
        "as an abstract, not a title, and the titles and abstracts after it do not pair up: if "
        "'May 2' is a paper's title, put the day the page shows on a line of its own before the "
        'first title ("Mar 14", "14 Mar", "March 14, 2026", "14 March 2026" or "2026-03-14"); if it '
        "is the day, the first paper's title is missing. The dump is refused whole: mend it and "
        "drop it in the inbox again"
    )


DAY_FORMS_SAID = '"Mar 14", "14 Mar", "March 14, 2026", "14 March 2026" or "2026-03-14"'
NO_DAY_LINE_CURE = (
    'first title ("Mar 14", "14 Mar", "March 14, 2026", "14 March 2026" or "2026-03-14"); if it '
    "is the day, the first paper's title is missing. The dump is refused whole: mend it and "
    "drop it in the inbox again"
)


@pytest.mark.parametrize("day", ["Feb 30", "May 2, 2027"], ids=["no-such-day", "to-come"])
def test_a_dump_without_a_day_line_whose_title_is_no_day_is_refused_as_having_none(day):
    """A dump with no day line whose first title is a day that is none ("Feb 30") or one after
    the file was saved (2026-03-20): refused with the words of a day line ("Feb 30 is not a day of
    the year", "the day line 'May 2, 2027' is after the day the file was saved"), calling the
    title a day line, where a "May 2" gets the no-day-line words."""
    papers = [(day, "A film about one day in spring. It follows two people."), *PAPERS]
    with pytest.raises(DumpError) as info:
        parse(make_dump("Mar 14", papers).replace("Mar 14\n\n", "", 1))
    assert str(info.value) == (
        f"day.txt:9: no day line? {day!r} was taken for the listing's day, but the paragraph "
        "after it (line 11: 'A film about one day in spring. It follows two people.') reads "
        f"as an abstract, not a title, and the titles and abstracts after it do not pair up: if "
        f"{day!r} is a paper's title, put the day the page shows on a line of its own before the "
        + NO_DAY_LINE_CURE
    )


def test_a_dump_whose_day_line_is_no_day_is_still_told_so():
    """A day line mistyped ("Feb 30") before titles and abstracts that pair up: said as before."""
    with pytest.raises(DumpError) as info:
        parse(make_dump("Feb 30", PAPERS))
    assert str(info.value) == "day.txt:9: Feb 30 is not a day of the year"


def test_a_dump_without_a_day_line_whose_title_is_a_day_with_a_short_abstract_is_refused_as_having_none():
    """As above, "May 2" the first title, but its abstract short and with no sentence's end (it
    reads as a title): the text is then the same as a dump with its day line "May 2" whose first
    abstract is lost, so both readings are said (the no-day-line one with its cure), not titles
    and abstracts out of step further on."""
    papers = [("May 2", "A film about one day in spring"), *PAPERS]
    with pytest.raises(DumpError) as info:
        parse(make_dump("Mar 14", papers).replace("Mar 14\n\n", "", 1))
    assert str(info.value) == (
        "day.txt:11: 'A film about one day in spring' stands where the first title goes, "
        "with no abstract after it "
        "(the next paragraph, line 13, begins the next paper): it is a title whose abstract is lost, or "
        "a stray line that is no title (a line of the page), or 'May 2' (line 9) is a paper's title, not "
        "the listing's day, and this its abstract: the titles and abstracts pair up each way. If it is a "
        "title, put its abstract back after it; if a stray line, remove it; if 'May 2' is a paper's "
        "title, put the day the page shows on a line of its own before it (" + DAY_FORMS_SAID + "). "
        "The dump is refused whole: mend it and drop it in the inbox again"
    )


@pytest.mark.parametrize("title", ["Wait for It...", "Less Is More."], ids=["ellipsis", "period"])
def test_a_dump_with_a_day_line_whose_first_title_ends_as_a_sentence_is_refused_where_it_is_broken(title):
    """A dump with its day line, whose first title ends as a sentence does (so reads as no title)
    and whose last abstract is lost: refused at the title left without one, as before, not as
    having no day line (the pairs do not fit with the day line taken for a title either)."""
    text = make_dump("Mar 14", [(title, "We say a little. Then we stop."), *PAPERS])
    with pytest.raises(DumpError) as info:
        parse(text.rsplit("\n\n", 1)[0] + "\n")
    assert str(info.value) == "day.txt:19: the title 'Sparse Maps for Small Robots' has no abstract after it"


def test_a_dump_with_its_day_line_whose_first_abstract_is_lost_is_told_so_at_the_first_title():
    """A dump with its day line ("Mar 14"), the first paper's abstract lost in the copy: the pairs
    fit with that abstract put back, and with "Mar 14" a title (the first title its abstract).
    Both are said, at the first title, the day line's reading first: not "no day line?"."""
    third = ("Clouds Seen From Below", "We photograph clouds from the ground. The photos date the rain.")
    text = make_dump("Mar 14", [*PAPERS, third]).replace("\n\n" + PAPERS[0][1], "", 1)
    with pytest.raises(DumpError) as info:
        parse(text)
    assert str(info.value) == (
        "day.txt:11: 'Gliders That Learn to Soar' stands where the first title goes, "
        "with no abstract after it "
        "(the next paragraph, line 13, begins the next paper): it is a title whose abstract is lost, or "
        "a stray line that is no title (a line of the page), or 'Mar 14' (line 9) is a paper's title, not "
        "the listing's day, and this its abstract: the titles and abstracts pair up each way. If it is a "
        "title, put its abstract back after it; if a stray line, remove it; if 'Mar 14' is a paper's "
        "title, put the day the page shows on a line of its own before it (" + DAY_FORMS_SAID + "). "
        "The dump is refused whole: mend it and drop it in the inbox again"
    )
