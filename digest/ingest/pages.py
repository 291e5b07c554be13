"""The Hugging Face daily papers API answers in pages: the whole day fetched, page after page.

``/api/daily_papers?date=...`` returns at most ``limit`` papers (50 unless asked, and never
more than its own cap, 100 today), page ``p`` (from 0) of the day; a page past the end is an
empty array. A busy day lists over 100 papers, so one request would miss the rest. The pages
are asked for 100 at a time (``limit=100&p=0``, ``p=1``, ...) until one is empty or brings no
paper not seen on an earlier page (a server that ignores ``p``). No page is taken for the last
by its length: a cap under what we ask gives a short first page of a longer day, and a page
may hold fewer than the page size (papers hidden after the paging) with more after it; the
next page says (empty: the day ended). They are saved as one JSON array, the document of the
day, read like any other. A page that cannot be fetched fails the whole fetch: half a day is
never stored as the day.

A day of one page keeps that page's validators: the next fetch asks for it conditionally, and
a 304 stands for the day once the page after it is still empty, or 304 to the same ETag (else
the day grew past the page: fetched whole, the page after it not asked twice). The ETag of a
page not modified stands for the day as it was, one page: a server that ignores ``p`` (page 2
is page 1 again) costs two 304s a poll, not the day three times. Page 2 after a page 1 that
came anew is asked with page 1's new ETag too, but its 304 is not enough: an ETag is a URL's,
and a server may give each page of a day the day's version as its ETag, where a 304 would lose
the papers past page 1. The day's second paper asked alone (``limit=1&p=1``) tells: page 1's
first again, the server ignores ``p`` and the day is page 1 (a day that changed costs page 1
once, and one paper); else page 2 is asked again without the ETag. Only the ETag is sent for
the second page: a Last-Modified may be the day's and say nothing of the second page being the
first.
A day of several pages keeps none, and is fetched whole the next time.

A ``limit`` or ``p`` already in the source's url is the user's: ``limit`` sets the page size,
``p`` asks for that one page only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

import httpx

from digest.ingest.http import Answer, FetchError, FetchStopped, Http
from digest.ingest.sources import MAX_DUMP_BYTES

log = logging.getLogger(__name__)

PAGE = 100  # papers asked for per page
MAX_PAGES = 50  # 5,000 papers at 100 a page (and at most 10 MB in all): a day is about 100


def get_day(
    http: Http,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    retrying: Callable[[str], object] | None = None,
    came: Callable[[], object] | None = None,
) -> Answer:
    """The whole day at ``url`` as one answer (see the module's doc); ``retrying``: as Http.get,
    for every page; ``came``: called after each answer that came (a page, the second paper asked
    alone): fetch_source's sign of life to the other workers, a day of many pages being no silence.
    Its ``moved``: where a permanent redirect of the first page sent the day, without the ``limit``
    and ``p`` the pages were asked with (that address fetches the day, not one page of it)."""
    asked = httpx.URL(url)
    ask: dict[str, Any] = {"timeout": timeout, "retries": retries, "retrying": retrying}
    if "p" in asked.params:
        return http.get(url, etag=etag, last_modified=last_modified, **ask)
    day = _paged(http, url, asked, ask, etag, last_modified, came)
    if day.moved is None:
        return day
    ours = {"p"} if "limit" in asked.params else {"p", "limit"}
    return dataclasses.replace(day, moved=_without(day.moved, ours))


def _without(url: str, names: set[str]) -> str:
    """``url`` without its query's parameters ``names``, the rest as written there (httpx's
    copy_remove_param writes the query anew: a%20b became a+b)."""
    base, mark, rest = url.partition("?")
    query, hash_, fragment = rest.partition("#")
    kept = [p for p in query.split("&") if p and unquote_plus(p.partition("=")[0]) not in names]
    return base + (mark if kept else "") + "&".join(kept) + hash_ + fragment


def _paged(
    http: Http,
    url: str,
    asked: httpx.URL,
    ask: dict[str, Any],
    etag: str | None,
    last_modified: str | None,
    came: Callable[[], object] | None,
) -> Answer:
    """get_day's pages, the day's address not yet said as the user's (``moved``: the first page's)."""
    limit = _int(asked.params.get("limit")) or PAGE

    def page_url(n: int) -> str:
        return str(asked.copy_merge_params({"limit": limit, "p": n}))

    def get(one: str, **conditional: str | None) -> Answer:
        answer = http.get(one, **ask, **conditional)
        if came is not None:
            came()
        return answer

    def page(n: int, **conditional: str | None) -> Answer:
        try:
            return get(page_url(n), **conditional)
        except FetchError as e:  # a later page's 404: the day's address answered, not one to fix
            if n == 0 or e.status is None:
                raise
            raise FetchError(str(e), e.retry_after, down=e.down) from None

    first = page(0, etag=etag, last_modified=last_modified)
    second = None  # page 2, once asked
    if first.status != 200:  # 304: the day as it was, if it was one page and still is
        second = page(1, etag=etag)  # 304: page 1 again (a server that ignores p), unchanged
        if second.status != 200 or _items(second.body) == []:
            return first
        log.info("%s: not modified, but the day grew past its first page: fetched whole", url)
        first = page(0)
    items = _items(first.body)
    if not items:  # an error object, or not JSON: the reader names what it is; [] a day without papers
        return first
    papers, seen, pages, size = list(items), {_key(item) for item in items}, 1, len(first.body)
    if second is None:
        second = _second_page(get, asked, first, items[0], page)
    while True:
        if size > MAX_DUMP_BYTES:  # the day is one document: a dump's limit, checked as it grows
            raise FetchError(
                f"{url}: pages 1 to {pages} of the day come to {size:,} bytes, over the limit of "
                f"{MAX_DUMP_BYTES // 2**20} MB for a dump; refused"
            )
        answer = second if pages == 1 else page(pages)
        items = _items(answer.body)
        if items is None:
            raise FetchError(
                f"{page_url(pages)}: page {pages + 1} of the day is not a JSON array of papers; refused"
            )
        new = [item for item in items if _key(item) not in seen]
        if not new:  # past the end (an empty page), or a server that ignores p
            break
        if pages == MAX_PAGES:  # the page after the most brought more: a day of 50 full pages is not
            raise FetchError(f"{url}: more than {MAX_PAGES} pages of {limit} papers for one day; refused")
        seen.update(_key(item) for item in new)
        papers += new
        pages, size = pages + 1, size + len(answer.body)
    if pages == 1:  # one page, the document as it came, and its validators (see the module's doc)
        return first
    log.info("%s: %d papers in %d pages", url, len(papers), pages)
    # compact: no larger than the pages it was counted on (written with spaces: smaller still)
    text = json.dumps(papers, ensure_ascii=False, separators=(",", ":"))
    # a lone surrogate (a page's "\ud800") escaped again: the reader drops it
    body = _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode("utf-8")
    if len(body) > MAX_DUMP_BYTES:  # a page's numbers written longer (1E5: 100000.0), say
        raise FetchError(
            f"{url}: the {pages} pages of the day come to {len(body):,} bytes as one document, over "
            f"the limit of {MAX_DUMP_BYTES // 2**20} MB for a dump; refused"
        )
    return Answer(200, body, None, None, first.content_type, first.moved)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _second_page(
    get: Callable[..., Answer],
    asked: httpx.URL,
    first: Answer,
    top: Any,
    page: Callable[..., Answer],
) -> Answer:
    """Page 2 after a page 1 that came anew, asked with page 1's ETag. A 304 says page 2 is the
    version page 1 is: page 1 again (a server that ignores p), or the day's version, given to
    every page by a server whose ETag is the day's (page 2 then holds other papers). The second
    paper of the day asked alone (``limit=1&p=1``) tells which: page 1's first paper again, p is
    ignored (page 1 stands for page 2: nothing new); anything else (another paper, none, an
    error), page 2 is asked again without the ETag."""
    if first.etag is None:
        return page(1)
    again = page(1, etag=first.etag)
    if again.status == 200:
        return again
    paper = str(asked.copy_merge_params({"limit": 1, "p": 1}))
    try:
        alone = _items(get(paper).body)
    except FetchStopped:
        raise
    except FetchError as e:  # a server that will not give one paper: page 2 tells, as before
        log.info("%s: %s; page 2 is asked again", asked, e)
        alone = None
    if alone and _key(alone[0]) == _key(top):
        log.info("%s: page 2 is page 1 again (the server ignores p): the day is its first page", asked)
        return first
    return page(1)


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
