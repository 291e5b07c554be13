"""The Hugging Face daily papers JSON: the array ``/api/daily_papers?date=YYYY-MM-DD`` returns.

Each item holds ``paper`` (``id``: the arXiv id, ``title``, ``summary``, ``authors[].name``,
``publishedAt``, ``submittedOnDailyAt``, ``upvotes``, optional ``githubRepo``, ``projectPage``,
``ai_keywords``) and its own ``publishedAt``. The real API's ``paper.submittedOnDailyAt`` is the
day of the daily page the paper was put on (midnight UTC of that day; in older answers the
moment it was put there), the day ``?date=`` asks for; both ``publishedAt`` are the arXiv
submission (the paper's at midnight, the item's with its time): the day before the page's, or
earlier (all written in UTC). The listing's day is the most common day of the papers'
``submittedOnDailyAt``; a document whose papers have none (saved by another tool, say) keeps
the rule it had: the most common day of the items' own ``publishedAt``; the file's modification
day for an empty array (a day with no papers is nothing new).
Kept: arXiv id, title, abstract, authors, upvotes, code and project links. Ignored: the
paper's ``publishedAt`` (the arXiv day), ``ai_keywords``/``ai_summary`` (machine-written),
thumbnails, comments, who submitted it, the media and organization fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import DumpError, ItemError
from digest.ingest.sources.fields import arxiv_id, clean, content_sha, most_common, unique
from digest.models import Entry, Listing

FORMAT = "hf_daily"
MAX_UPVOTES = 2**31 - 1  # a larger count is no real one (and would not fit the database's integer)


def sniff(text: str) -> bool:
    return text.lstrip()[:1] in ("[", "{")


def parse(text: str, path: Path, mtime: dt.datetime) -> Listing:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DumpError(f"{path}:{e.lineno}: not valid JSON (column {e.colno}): {e.msg}") from None
    except RecursionError:  # "[[[[...": no daily papers JSON nests more than a few levels
        raise DumpError(f"{path}:1: not a daily papers JSON: arrays or objects nested too deeply") from None
    if isinstance(data, dict):
        why = data.get("error") or data.get("message")
        hint = f": the server said {str(why)[:200]!r}" if why else ""
        raise DumpError(f"{path}:1: expected the array of daily papers but found an object{hint}")
    if not isinstance(data, list):
        raise DumpError(f"{path}:1: expected the array of daily papers, found {type(data).__name__}")
    entries, skipped, unlinked = [], [], []
    for n, item in enumerate(data, 1):
        try:
            entries.append(_entry(item, n, path))
        except ItemError as e:
            skipped.append(str(e))
            continue
        if refused := _links_refused(item["paper"]):
            unlinked.append(f"{path}: item {n}: " + " and ".join(refused))
    page_day = most_common(_page_days(data))
    day = page_day or most_common(_published_days(data)) or mtime.date()
    listing = Listing(path, day, tuple(entries), content_sha(text), FORMAT, tuple(skipped))  # type: ignore[arg-type]
    return dataclasses.replace(listing, unlinked=tuple(unlinked), page_day=page_day is not None)


def _entry(item: Any, n: int, path: Path) -> Entry:
    where = f"{path}: item {n}"
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        raise ItemError(f"{where}: expected an object with a `paper` object")
    paper = item["paper"]
    title = clean(_text(paper, "title", where) or _text(item, "title", where))
    abstract = clean(_text(paper, "summary", where) or _text(item, "summary", where))
    if not title:
        raise ItemError(f"{where}: paper.title is missing or empty")
    if not abstract:
        raise ItemError(f"{where}: paper.summary (the abstract of {title[:60]!r}) is missing or empty")
    authors = paper.get("authors") or []
    if not isinstance(authors, list):
        raise ItemError(f"{where}: paper.authors must be an array of {{name: ...}}")
    names = unique(
        clean(a.get("name")) for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
    )
    upvotes = paper.get("upvotes")
    return Entry(
        title=title,
        abstract=abstract,
        line=n,
        arxiv_id=arxiv_id(paper.get("id")) if isinstance(paper.get("id"), str) else None,
        authors=names,
        code_url=_url(paper.get("githubRepo")),
        project_url=_url(paper.get("projectPage")),
        upvotes=upvotes
        if isinstance(upvotes, int) and not isinstance(upvotes, bool) and 0 <= upvotes <= MAX_UPVOTES
        else None,
    )


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ItemError(f"{where}: {key} must be text, got {type(value).__name__}")
    return value


# Never in a URL (RFC 3986) and what would end a quoted attribute or start a tag where a link is
# shown: '"><script>' after a repository's address is markup, not part of it.
_NOT_IN_URL = frozenset('"<>\\`')


def _url(value: Any) -> str | None:
    """An http(s) URL with a host, no space, line break or other control character (a link, not
    text), and none of the characters a URL never holds that quote or open markup (_NOT_IN_URL). The
    scheme is case-insensitive (RFC 3986, 3.1): "HTTPS://..." is kept, its scheme lowered."""
    if _why_not_url(value) is not None:
        return None
    scheme, _, rest = value.partition("://")
    return f"{scheme.lower()}://{rest}"


def _why_not_url(value: Any) -> str | None:
    """Why ``value`` is no link (:func:`_url`); None if it is one."""
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    scheme, sep, _ = value.partition("://")
    if not sep or scheme.lower() not in ("https", "http"):
        return "not an http(s) URL"
    if " " in value or clean(value) != value:  # what clean() would drop or fold
        return "holds a space or a control character"
    if odd := sorted(_NOT_IN_URL.intersection(value)):
        return "holds " + ", ".join(map(repr, odd)) + ", never in a URL"
    try:
        host = urlsplit(value).hostname
    except ValueError:  # a bracketed host not closed, not an IPv6 address
        return "has no valid host"
    return None if host else "has no host"  # https:///nohost, http://: a link to no server


def _links_refused(paper: dict[str, Any]) -> list[str]:
    """The code and project links of a kept paper left out, each with why (none, an empty one: none)."""
    said = []
    for key in ("githubRepo", "projectPage"):
        value = paper.get(key)
        if value not in (None, "") and (why := _why_not_url(value)) is not None:
            shown = f" {value[:80] + ('...' if len(value) > 80 else '')!r}" if isinstance(value, str) else ""
            said.append(f"paper.{key}{shown} ({why})")
    return said


def _page_days(data: list[Any]) -> list[dt.date | None]:
    """The days of the daily pages the items' papers were put on (``paper.submittedOnDailyAt``)."""
    papers = (item.get("paper") for item in data if isinstance(item, dict))
    return [_day(paper.get("submittedOnDailyAt")) for paper in papers if isinstance(paper, dict)]


def _published_days(data: list[Any]) -> list[dt.date | None]:
    """The days of the items' own ``publishedAt``: the day of a document without page days."""
    return [_day(item.get("publishedAt")) for item in data if isinstance(item, dict)]


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
