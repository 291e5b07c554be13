"""The trending-papers page dump: a short header (passed over whatever it says), the day
(``Mar 14``, or a plain form with its year: DAY_LINES), then paragraphs that alternate title
and abstract.

The format has no mark of which paragraph is a title: a dump whose paragraphs fell out of step
(an abstract missing, or split in two by a blank line) would pair a title with the next title,
or an abstract's end with a title, silently. So a dump is refused whole, naming the line, where
the pairs show it: a title with no abstract after it (an odd count), a "title" as long as an
abstract (MAX_TITLE), or a "title" ending with a period or a URL and its "abstract" reading as a
title: no longer than one, with no sentence end, or one that asks or exclaims and states nothing
(TITLE_AS_SENTENCE, URL_END, sentences.py: an abstract's end, then a title).

The day carries no year: it is taken as the most recent such day not after the day after
the file's modification time (a dump of ``Dec 31`` modified on 2 January belongs to the
previous year). The day after: the listing's own day may be ahead of the clock that dated
the file (a listing of Mar 16 saved at 23:10 on Mar 15 UTC, when it is already morning in
Tokyo), and that is today's listing, not last year's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
from pathlib import Path

from digest.errors import DumpError
from digest.ingest.sources.decode import Paragraph, paragraphs
from digest.ingest.sources.sentences import ASKED, SENTENCE_END, states
from digest.models import Entry, Listing

HEADER = (
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "byak and the research community",
)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# The listing's day: "Mar 14" as the page shows it, "March 14", "14 Mar", with a year or not
# ("Mar 14, 2026", "14 March 2026"), or "2026-03-14"; each names its month, so none is ambiguous
# ("03/04/2026" is, and is no day line).
# A month is named by its name or its three letters ("Sept" too), never by a word that only begins
# with them: a title such as "Marble 5" or "Decoding 7" is no day line.
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august")
MONTH_NAMES += ("september", "october", "november", "december")
MONTH_WORDS = {w: i + 1 for i, name in enumerate(MONTH_NAMES) for w in (name, name[:3])} | {"sept": 9}
_MONTH = r"(?P<month>[A-Za-z]+)\.?"
DAY_LINES = (
    re.compile(rf"^{_MONTH} (?P<day>\d{{1,2}})(?:,? (?P<year>\d{{4}}))?$"),
    re.compile(rf"^(?P<day>\d{{1,2}}) {_MONTH}(?:,? (?P<year>\d{{4}}))?$"),
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$"),
)
DAY_FORMS = '"Mar 14", "14 Mar", "March 14, 2026", "14 March 2026" or "2026-03-14"'
# The header before the day line is passed over whatever it says (the page's words change): the
# day line is looked for in the first HEADER_MAX paragraphs.
HEADER_MAX = 8
# A title ends with no mark, or a question's or an exclamation's, but not a statement's period:
# a paragraph in a title's place that ends with one, followed by one in its abstract's place that
# ends with no mark at all, is an abstract's (last) paragraph and a title, out of step (a title
# whose abstract is missing, an abstract split by a blank line). None of the ~400 titles of the
# shared dumps ends with a period; the ~4% of their abstracts that end with no mark end with a URL.
TITLE_AS_SENTENCE = re.compile(r"(?<!\.)[.。][\"'”’)\]]*$")
# ... or with a URL, as ~4% of abstracts do and no title of the shared dumps: an abstract's end.
# Without a scheme, a domain's last label is letters ("lab.example.org/x"): "GPT-3.5/4" is none.
URL_END = re.compile(r"(?:https?://|www\.|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/)\S*$", re.IGNORECASE)
MAX_TITLE = 400  # characters; longer paragraphs in a title's place are abstracts out of step
MAX_PARAGRAPH = 20_000  # characters: ten times the longest abstract seen
MAX_ENTRIES = 5_000  # papers in one dump


def sniff(lines: list[str]) -> bool:
    first = [line.strip() for line in lines if line.strip()][: HEADER_MAX + 1]
    return bool(first) and (first[0].casefold() in HEADER or any(_day(line) for line in first))


def parse(lines: list[str], path: Path, mtime: dt.datetime) -> Listing:
    paras = paragraphs(lines)
    i = next((k for k, para in enumerate(paras[:HEADER_MAX]) if _day(para.text)), None)
    if i is None:
        raise _no_day_line(paras, path, len(lines))
    month, day, year = _day(paras[i].text)  # type: ignore[misc]
    day_line = paras[i].line
    anchor = mtime.date() + dt.timedelta(days=1)
    body = paras[i + 1 :]
    try:
        if year is None:
            listing_day = _resolve_year(month, day, anchor, path, day_line)
        else:
            listing_day = _resolve_year(month, day, dt.date(year, 12, 31), path, day_line, year - 1)
        if listing_day > anchor:  # a year written, mistyped: its papers would be dated a day to come
            raise DumpError(
                f"{path}:{day_line}: the day line {paras[i].text!r} is after the day the file was saved "
                f"({mtime.date()}): a listing is saved on its day or later. A mistyped year? Put the day "
                "the page shows there and drop the dump in the inbox again"
            )
    except DumpError as e:  # no day (Feb 30, a day to come): a paper's title, if the pairs say so
        if body and not _fits(body, path) and _fits([paras[i], *body], path):
            raise _day_as_title(paras[i], body[0], path) from e
        raise
    if not body:
        raise DumpError(f"{path}:{day_line}: the listing has a day but no papers after it")
    if stray := list(itertools.takewhile(lambda para: para.text.casefold() in HEADER, body)):
        raise _header_after_day(paras[i], stray, path)  # "Subscribe" read as a title, or "new" as one
    if len(body) > 2 * MAX_ENTRIES:
        raise DumpError(f"{path}: more than {MAX_ENTRIES:,} papers in one dump; refused whole")
    for para in body:
        if len(para.text) > MAX_PARAGRAPH:
            raise DumpError(
                f"{path}:{para.line}: a paragraph longer than {MAX_PARAGRAPH:,} characters "
                f"({len(para.text):,}); not a listing's title or abstract. The dump is refused whole"
            )
    try:
        entries = _pairs(body, path)
    except DumpError as e:  # the pairs fit with the "day" a title: it is one, or the first title is lost
        even = body[: len(body) // 2 * 2]  # a paragraph after the "day" that reads as a title: only if
        if not _fits([paras[i], *body], path) or (_reads_as_title(body[0].text) and _fits(even, path)):
            raise  # the pairs fail before the end (a lost last abstract does not explain it)
        if _reads_as_title(body[0].text) and _fits(body[1:], path):  # or the first abstract is lost
            raise _first_abstract_lost(paras[i], body, path) from e
        raise _day_as_title(paras[i], body[0], path) from e
    if lines and lines[-1] != "" and not SENTENCE_END.search(entries[-1].abstract):
        raise DumpError(
            f"{path}:{len(lines)}: the file ends in the middle of a sentence "
            f"({_clip(entries[-1].abstract[-60:])!r}) without a final newline: an interrupted "
            "copy? Copy the whole dump again"
        )
    canon = "\n".join([f"{MONTHS[month - 1]} {day}"] + [f"{e.title}\n{e.abstract}" for e in entries])
    digest = hashlib.sha256(canon.encode("utf-8")).hexdigest()
    return Listing(source=path, day=listing_day, entries=tuple(entries), sha256=digest)


def _pairs(body: list[Paragraph], path: Path) -> list[Entry]:
    """The body's paragraphs as (title, abstract) pairs, refused where they show out of step."""
    entries: list[Entry] = []
    for k in range(0, len(body), 2):
        title = body[k]
        if len(title.text) > MAX_TITLE:
            raise DumpError(
                f"{path}:{title.line}: expected a paper title but found a "
                f"{len(title.text)}-character paragraph; a title or an abstract before it "
                "is missing (titles and abstracts must alternate)"
            )
        if k + 1 == len(body):
            raise DumpError(f"{path}:{title.line}: the title {_clip(title.text)!r} has no abstract after it")
        abstract = body[k + 1]
        ends = TITLE_AS_SENTENCE.search(title.text) or URL_END.search(title.text)
        if ends and _reads_as_title(abstract.text):
            raise DumpError(
                f"{path}:{title.line}: titles and abstracts are out of step: {_clip(title.text)!r} stands "
                "in a title's place but ends as an abstract does (a period, a URL), and the paragraph "
                f"after it (line {abstract.line}: {_clip(abstract.text)!r}) reads as a title; an abstract "
                "split by a blank line, or a missing title or abstract, at this line or before it? The "
                "dump is refused whole: mend it (or copy the listing again) and drop it in the inbox again"
            )
        entries.append(Entry(title=title.text, abstract=abstract.text, line=title.line))
    return entries


def _fits(paras: list[Paragraph], path: Path) -> bool:
    """Whether the paragraphs pair up: the "day line" taken back as a title, the one explanation
    of a fault that the no-day-line message gives (a fault further on is said where it is)."""
    try:
        _pairs(paras, path)
    except DumpError:
        return False
    return True


def _day_as_title(day: Paragraph, after: Paragraph, path: Path) -> DumpError:
    """The body does not pair up, and it does with the "day line" a title (the paragraph after it
    its abstract, whether it reads as one or, short, as a title does): the dump has likely no
    day line, and a paper's title that is a day ("May 2", "Feb 30", a day to come) was taken for it."""
    after_it = f"the paragraph after it (line {after.line}: {_clip(after.text)!r})"
    why = (  # short, with no sentence's end: as a title reads, so said as the pairs show it
        f"the titles and abstracts after it do not pair up, and they do with {day.text!r} a title and "
        f"{after_it} its abstract"
        if _reads_as_title(after.text)
        else f"{after_it} reads as an abstract, not a title, and the titles and abstracts after it do "
        "not pair up"
    )
    return DumpError(
        f"{path}:{day.line}: no day line? {day.text!r} was taken for the listing's day, but {why}: "
        f"if {day.text!r} is a "
        "paper's title, put the day the page shows on a line of its own before the first title "
        f"({DAY_FORMS}); if it is the day, the first paper's title is missing. The dump is "
        "refused whole: mend it and drop it in the inbox again"
    )


def _header_after_day(day: Paragraph, stray: list[Paragraph], path: Path) -> DumpError:
    """Lines of the page's header (``stray``) right after the day line, where the first title goes:
    one was read as a title with no abstract, two as a paper ("new", its abstract "Subscribe")."""
    named = [f"{para.text!r} (line {para.line})" for para in stray]  # 'new' (line 11), ... and 'Subscribe'
    said = f"{', '.join(named[:-1])} and {named[-1]}" if stray[1:] else repr(stray[0].text)
    which = "is a line" if len(stray) == 1 else "are lines"
    return DumpError(
        f"{path}:{stray[0].line}: {said} {which} of the page's header, found after the day line "
        f"({day.text!r}, line {day.line}), where the first paper's title goes: remove "
        f"{'it' if len(stray) == 1 else 'them'} (or move {'it' if len(stray) == 1 else 'them'} before "
        "the day line). The dump is refused whole: mend it and drop it in the inbox again"
    )


def _first_abstract_lost(day: Paragraph, body: list[Paragraph], path: Path) -> DumpError:
    """The body pairs up with its first paragraph, which reads as a title, left out: a title whose
    abstract was lost (a dump with its day line), or a stray line copied after the day line that is
    no title (a line of the page whose words are not HEADER's: "Subscribe now"); and with the "day" a
    title and that paragraph its abstract (a day as a title, "May 2", in a dump with no day line).
    The three are said, at that paragraph, the day line's readings first."""
    first, after = body[0], body[1]
    return DumpError(
        f"{path}:{first.line}: {_clip(first.text)!r} stands where the first title goes, with no abstract "
        f"after it (the next paragraph, line {after.line}, begins the next paper): it is a title whose "
        f"abstract is lost, or a stray line that is no title (a line of the page), or {day.text!r} "
        f"(line {day.line}) is a paper's title, not the listing's day, and this its abstract: the titles "
        "and abstracts pair up each way. If it is a title, put its abstract back after it; if a stray "
        f"line, remove it; if {day.text!r} is a paper's title, put the day the page shows on a line of "
        f"its own before it ({DAY_FORMS}). The dump is refused whole: mend it and drop it in the inbox again"
    )


def _reads_as_title(text: str) -> bool:
    """A paragraph that reads as a title: no longer than a title, and with no sentence's end, or
    one that asks or exclaims and states nothing (:data:`ASKED`, no statement's end inside:
    ``sentences.states``). An abstract that ends with no mark is longer (over 1,400 characters in
    the shared dumps), or ends with a URL, as no title does."""
    if len(text) > MAX_TITLE or URL_END.search(text):
        return False
    return not SENTENCE_END.search(text) or (bool(ASKED.search(text)) and not states(text))


def _no_day_line(paras: list, path: Path, end: int) -> DumpError:
    """No day line in the header's reach: said at the first paragraph that is not one of the
    page's usual header lines, with the forms a day line may take and the cure."""
    rest = [para for para in paras[:HEADER_MAX] if para.text.casefold() not in HEADER]
    line = rest[0].line if rest else end
    found = f" but found {_clip(rest[0].text)!r}" if rest else ""
    return DumpError(
        f"{path}:{line}: no day line: expected the listing's day after the header, on a line of its "
        f"own before the first title ({DAY_FORMS}){found}; put the day the page shows there and "
        "drop the dump in the inbox again"
    )


def _day(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of a day line in one of DAY_LINES' forms, else None."""
    for form in DAY_LINES:
        m = form.match(text.strip())
        if m:
            break
    else:
        return None
    month = m["month"].casefold()
    if month.isdigit():
        if not 1 <= int(month) <= 12:
            return None
        number = int(month)
    elif month in MONTH_WORDS:
        number = MONTH_WORDS[month]
    else:
        return None
    return number, int(m["day"]), int(m["year"]) if m["year"] else None


def _resolve_year(
    month: int, day: int, anchor: dt.date, path: Path, line: int, before: int | None = None
) -> dt.date:
    """The most recent (month, day) not after ``anchor`` (and after the year ``before``)."""
    for year in range(anchor.year, before if before is not None else anchor.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue  # Feb 29 in a common year, or Apr 31
        if candidate <= anchor:
            return candidate
    raise DumpError(f"{path}:{line}: {MONTHS[month - 1].title()} {day} is not a day of the year")


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
