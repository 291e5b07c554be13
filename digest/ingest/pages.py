"""The Hugging Face daily papers API answers in pages: the whole day fetched, page after page.

``/api/daily_papers?date=...`` returns at most ``limit`` papers (50 unless asked), page ``p``
(from 0) of the day; a page past the end is an empty array. A busy day lists over 100 papers,
so one request would miss the rest. The pages are asked for 100 at a time
(``limit=100&p=0``, ``p=1``, ...) until one is shorter than the pages before it (a first page
shorter than 50, the API's own page, is the only one), empty, or brings no paper not seen on
an earlier page (a server that ignores ``p``). They are saved as one JSON array, the document
of the day, read like any other. A page that cannot be fetched fails the whole fetch: half a
day is never stored as the day.

A ``limit`` or ``p`` already in the source's url is the user's: ``limit`` sets the page size,
``p`` asks for that one page only.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx

from digest.ingest.http import Answer, FetchError, Http
from digest.ingest.sources import MAX_DUMP_BYTES

log = logging.getLogger(__name__)

PAGE = 100  # papers asked for per page
API_PAGE = 50  # the API's own page size: a first page shorter than this is the whole day
MAX_PAGES = 50  # 5,000 papers at 100 a page (and at most 10 MB in all): a day is about 100


def get_day(
    http: Http,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
) -> Answer:
    """The whole day at ``url`` as one answer. Its validators are the first page's when the
    day fit in it (a 304 to them then means nothing changed); a day of several pages keeps
    none, and is fetched whole the next time."""
    asked = httpx.URL(url)
    if "p" in asked.params:
        return http.get(url, etag=etag, last_modified=last_modified, timeout=timeout, retries=retries)
    limit = _int(asked.params.get("limit")) or PAGE
    papers: list[Any] = []
    seen: set[str] = set()
    first: Answer | None = None
    longest = pages = size = 0
    for n in range(MAX_PAGES):
        page_url = str(asked.copy_merge_params({"limit": limit, "p": n}))
        conditional = {"etag": etag, "last_modified": last_modified} if n == 0 else {}
        answer = http.get(page_url, timeout=timeout, retries=retries, **conditional)
        if answer.status != 200:  # 304 to the first page: the day as it was (it fit in one page)
            return answer
        items = _items(answer.body)
        if items is None and n == 0:  # an error object, or not JSON: the reader names what it is
            return answer
        if items is None:
            raise FetchError(f"{page_url}: page {n + 1} of the day is not a JSON array of papers; refused")
        if n == 0 and len(items) < min(limit, API_PAGE):
            return answer  # the whole day in one page, the document as it came
        size += len(answer.body)
        if size > MAX_DUMP_BYTES:  # the day is one document: a dump's limit, checked as it grows
            raise FetchError(
                f"{url}: pages 1 to {n + 1} of the day come to {size:,} bytes, over the limit of "
                f"{MAX_DUMP_BYTES // 2**20} MB for a dump; refused"
            )
        new = [item for item in items if _key(item) not in seen]
        if not new:  # past the end (an empty page), or a server that ignores p
            break
        first, pages = first or answer, pages + 1
        seen.update(_key(item) for item in new)
        papers += new
        if len(items) < longest:
            break
        longest = max(longest, len(items))
    else:
        raise FetchError(f"{url}: more than {MAX_PAGES} pages of {limit} papers for one day; refused")
    assert first is not None
    if pages == 1:  # one page, the document as it came; a full one may grow past it: no validators
        full = len(papers) >= limit
        return Answer(
            200,
            first.body,
            None if full else first.etag,
            None if full else first.last_modified,
            first.content_type,
        )
    log.info("%s: %d papers in %d pages", url, len(papers), pages)
    text = json.dumps(papers, ensure_ascii=False)  # a lone surrogate (a page's "\ud800") escaped again:
    body = _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode("utf-8")  # the reader drops it
    return Answer(200, body, None, None, first.content_type)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _items(body: bytes) -> list[Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, list) else None


def _key(item: Any) -> str:
    """What tells two papers apart across pages: the arXiv id, else the item itself."""
    paper = item.get("paper") if isinstance(item, dict) else None
    if isinstance(paper, dict) and isinstance(paper.get("id"), str):
        return paper["id"]
    return json.dumps(item, sort_keys=True)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None and int(value) > 0 else None
    except ValueError:
        return None
