"""The Hugging Face daily papers API answers in pages (``limit``, 50 unless asked; ``p`` from 0;
an empty array past the end): a loopback server that pages as it does, and the whole day
fetched from it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

from digest.config import load_config
from digest.demo.http_server import LocalHttpServer, Route
from digest.ingest.fetch import FAILED, LISTING, NOT_MODIFIED
from digest.ingest.fetch_all import fetch_all
from digest.ingest.fetch_records import last_fetches
from digest.ingest.http import Http
from digest.store import Store

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
HF = "  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n"


def day_of(count: int) -> list[dict]:
    """``count`` invented papers listed on 2026-11-29."""
    return [
        {
            "paper": {
                "id": f"2611.{20000 + n}",
                "title": f"Invented paper number {n}",
                "summary": f"An invented abstract for paper {n}, written for this test.",
                "authors": [{"name": "Ada Example"}],
            },
            "publishedAt": "2026-11-29T09:00:00.000Z",
        }
        for n in range(count)
    ]


def daily_api(
    papers: list[dict], *, most: int = 100, pages: bool = True
) -> Callable[[dict[str, str]], Route]:
    """Answers as the API does: ``limit`` papers (50 unless asked, at most ``most``) of page
    ``p``; not ``pages``: a server that ignores ``p``."""

    def answer(query: dict[str, str]) -> Route:
        limit = min(int(query.get("limit", 50)), most)
        start = int(query.get("p", 0)) * limit if pages else 0
        return Route(json.dumps(papers[start : start + limit]).encode(), etag=f'"{start}-{limit}"')

    return answer


def fetch(workspace, routes, source: str = HF):
    with LocalHttpServer(routes) as server:
        text = workspace.config_path.read_text() + "sources:\n" + source
        workspace.config_path.write_text(text.replace("{base}", server.url("")))
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (outcome,) = fetch_all(config, store, http, NOW)
            return outcome, store.papers(), [r.path for r in server.requests]


def test_a_day_of_108_papers_is_fetched_whole_in_pages_of_100(workspace):
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108))})
    assert asked == [
        "/api/daily_papers?date=2026-11-29&limit=100&p=0",
        "/api/daily_papers?date=2026-11-29&limit=100&p=1",
        "/api/daily_papers?date=2026-11-29&limit=100&p=2",  # empty: the day has ended
    ]
    assert outcome.outcome == LISTING and outcome.new_papers == 108 and len(papers) == 108
    assert outcome.detail == "108 papers of 2026-11-29: 108 new, 0 known"
    assert len(json.loads(outcome.saved.read_bytes())) == 108  # the day's document, in processed/


def test_a_server_that_gives_fewer_than_asked_is_paged_on_until_an_empty_page(workspace):
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108), most=50)})
    assert [path.rsplit("&", 1)[1] for path in asked] == ["p=0", "p=1", "p=2", "p=3"]  # 50, 50, 8, 0
    assert outcome.outcome == LISTING and len(papers) == 108


def test_a_day_of_exactly_two_pages_ends_at_the_empty_page_after_them(workspace):
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(200))})
    assert len(asked) == 3 and len(papers) == 200


def test_a_server_that_ignores_the_page_stops_at_the_first_page_with_nothing_new(workspace):
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108), pages=False)})
    assert [path.split("&", 1)[1] for path in asked] == ["limit=100&p=0", "limit=100&p=1", "limit=1&p=1"]
    assert outcome.outcome == LISTING and len(papers) == 100  # page 2 a 304, the second paper the first


def test_a_page_shorter_than_the_one_before_it_is_not_taken_for_the_last(workspace):
    """A page may hold fewer papers than the server's page size (one hidden after the paging,
    here): a page shorter than the one before it was taken for the last, and the 50 papers of
    the page after it were never asked for."""
    day = day_of(250)
    hidden = day[150]["paper"]["id"]

    def one_hidden(query: dict[str, str]) -> Route:
        answer = daily_api(day)(query)
        items = [item for item in json.loads(answer.body) if item["paper"]["id"] != hidden]
        return Route(json.dumps(items).encode())

    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": one_hidden})
    assert [path.rsplit("&", 1)[1] for path in asked] == ["p=0", "p=1", "p=2", "p=3"]  # 100, 99, 50, 0
    assert outcome.outcome == LISTING and len(papers) == 249


def test_a_page_that_cannot_be_fetched_fails_the_day_and_stores_nothing(workspace):
    def second_page_missing(query: dict[str, str]) -> Route:
        if query.get("p") == "1":
            return Route(b"not found", status=404, content_type="text/plain")
        return daily_api(day_of(108))(query)

    outcome, papers, _ = fetch(workspace, {"/api/daily_papers": second_page_missing})
    assert outcome.outcome == FAILED and papers == []  # half a day is not the day
    assert outcome.detail.endswith("/api/daily_papers?date=2026-11-29&limit=100&p=1: HTTP 404 Not Found")


def test_a_first_page_shorter_than_asked_is_not_taken_for_the_day(workspace):
    """An API whose page cap (30 here) is under what we ask gives a short first page of a longer
    day: a first page under 50 was taken for the whole day, and 78 papers were never fetched."""
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108), most=30)})
    assert [path.rsplit("&", 1)[1] for path in asked] == [
        "p=0",
        "p=1",
        "p=2",
        "p=3",
        "p=4",
    ]  # 30, 30, 30, 18, 0
    assert outcome.outcome == LISTING and len(papers) == 108


def fetch_twice(workspace, api: Callable[[dict[str, str]], Route], grown: int | None = None):
    """Two fetches of the day from ``api``; ``grown``: the day has that many papers at the second."""
    days = [api]
    with LocalHttpServer({"/api/daily_papers": lambda query: days[-1](query)}) as server:
        text = workspace.config_path.read_text() + "sources:\n" + HF
        workspace.config_path.write_text(text.replace("{base}", server.url("")))
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            (first,) = fetch_all(config, store, http, NOW)
            if grown is not None:
                days.append(daily_api(day_of(grown), most=30))
            (again,) = fetch_all(config, store, http, NOW)
            return (
                first,
                again,
                [r.path.rsplit("&", 1)[1] for r in server.requests],
                server,
                len(store.papers()),
            )


def test_a_day_in_one_page_is_its_page_and_the_empty_one_after_it_and_asked_again_conditionally(workspace):
    first, again, asked, server, _ = fetch_twice(workspace, daily_api(day_of(30)))
    assert asked == ["p=0", "p=1"] * 2
    day = json.dumps(day_of(30)).encode()
    assert first.outcome == LISTING and first.saved.read_bytes() == day  # the document as it came
    assert server.requests[2].headers["If-None-Match"] == '"0-100"' and again.outcome == NOT_MODIFIED
    assert server.requests[3].headers["If-None-Match"] == '"0-100"'  # page 2 is not page 1: 200, []


def test_a_day_of_one_page_that_grew_past_it_is_fetched_whole_though_its_page_is_not_modified(workspace):
    """A full page of a capped API (30 of 30) is not modified when papers are added after it: the
    page after it says the day grew."""
    first, again, asked, server, stored = fetch_twice(workspace, daily_api(day_of(30), most=30), grown=40)
    assert asked == ["p=0", "p=1"] + ["p=0", "p=1", "p=0", "p=2"]  # 304, 10 papers, then the day
    assert server.requests[2].headers["If-None-Match"] == '"0-30"'
    assert "If-None-Match" not in server.requests[4].headers  # page 2, not asked twice
    assert (first.outcome, again.outcome) == (LISTING, LISTING) and stored == 40
    assert again.detail == "40 papers of 2026-11-29: 10 new, 30 known"


def test_a_day_of_several_pages_is_fetched_whole_again(workspace):
    with LocalHttpServer({"/api/daily_papers": daily_api(day_of(108))}) as server:
        text = workspace.config_path.read_text() + "sources:\n" + HF
        workspace.config_path.write_text(text.replace("{base}", server.url("")))
        config = load_config(workspace.config_path)
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            fetch_all(config, store, http, NOW)
            (again,) = fetch_all(config, store, http, NOW)
    assert "If-None-Match" not in server.requests[3].headers and len(server.requests) == 6
    assert again.detail == "108 papers of 2026-11-29: already ingested, nothing new"


def test_a_limit_in_the_url_is_the_page_size_and_a_page_in_it_the_only_page(workspace):
    source = HF.replace("{date}", "{date}&limit=40")
    _, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108))}, source)
    assert [path.split("?")[1] for path in asked] == [f"date=2026-11-29&limit=40&p={n}" for n in range(4)]
    assert len(papers) == 108


def test_a_page_named_in_the_url_is_fetched_alone(workspace):
    source = HF.replace("{date}", "{date}&p=1")
    _, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(108))}, source)
    assert asked == ["/api/daily_papers?date=2026-11-29&p=1"] and len(papers) == 50


def test_pages_that_come_to_more_than_a_dumps_limit_are_refused_as_they_come(workspace):
    """The day is one document: 10 MB at most, counted page by page (not 50 pages held first)."""
    papers = day_of(700)
    for paper in papers:
        paper["paper"]["summary"] = "An invented abstract. " * 860  # 18,920 characters: 1.9 MB a page
    outcome, stored, asked = fetch(workspace, {"/api/daily_papers": daily_api(papers)})
    assert len(asked) == 6 and outcome.outcome == FAILED and stored == []
    assert outcome.detail.startswith("http://127.0.0.1:")
    assert "/api/daily_papers?date=2026-11-29: pages 1 to 6 of the day come to 11," in outcome.detail
    assert outcome.detail.endswith(" bytes, over the limit of 10 MB for a dump; refused")


def test_a_lone_surrogate_escaped_in_a_title_is_dropped_in_one_page_or_several(workspace, tmp_path):
    """JSON may escape half a surrogate pair ("\\ud800"): no UTF-8, nothing a database stores. It
    stopped the fetch of the whole day (UnicodeEncodeError, the document in failed/ at every poll)."""
    for count in (20, 108):
        papers = day_of(count)
        papers[5]["paper"]["title"] = "Lone \ud800surrogate"
        papers[6]["paper"]["authors"] = [{"name": "Ada \udc00Example"}]
        outcome, stored, _ = fetch(workspace, {"/api/daily_papers": daily_api(papers)})
        assert outcome.outcome == LISTING and len(stored) == count, outcome.detail
        assert "Lone surrogate" in [p.title for p in stored]
        assert ("Ada Example",) in [p.authors for p in stored]
        workspace.config_path.write_text(workspace.config_path.read_text().split("sources:\n")[0])


def test_a_server_that_ignores_the_page_costs_page_1_once_a_day_that_changed_and_two_304s_a_poll(workspace):
    """A server that ignores ``p`` answers page 2 with page 1 again, with page 1's ETag. Asked with
    that ETag, it says 304; one paper asked alone (``limit=1&p=1``) is then page 1's first, not its
    second: p is ignored and the day is page 1. A day that changed (a first fetch too) downloaded
    page 1 twice (page 2 asked without an ETag after a page 1 that came anew); each poll after a
    304 costs two 304s, as before (the next test: why one 304 to page 2 is not enough)."""

    def ignoring_p(count: int) -> Callable[[dict[str, str]], Route]:  # the ETag: the day's version
        def answer(query: dict[str, str]) -> Route:
            limit = min(int(query.get("limit", 50)), 100)
            return Route(json.dumps(day_of(count)[:limit]).encode(), etag=f'"{count}-{limit}"')

        return answer

    days = [ignoring_p(30)]
    with LocalHttpServer({"/api/daily_papers": lambda query: days[-1](query)}) as server:
        text = workspace.config_path.read_text() + "sources:\n" + HF
        workspace.config_path.write_text(text.replace("{base}", server.url("")))
        config = load_config(workspace.config_path)
        polls = []
        with Store(config.database) as store, Http(sleep=lambda s: None) as http:
            for day in (30, 30, 35, 35):
                days.append(ignoring_p(day))
                before = (len(server.requests), server.sent)
                (outcome,) = fetch_all(config, store, http, NOW)
                asked = [r.path.split("&", 1)[1] for r in server.requests[before[0] :]]
                polls.append((outcome.outcome, asked, server.sent - before[1]))
            assert len(store.papers()) == 35
    page, one = (len(json.dumps(day_of(n)).encode()) for n in (30, 1))
    grown = len(json.dumps(day_of(35)).encode())
    day, again, paper = "limit=100&p=0", "limit=100&p=1", "limit=1&p=1"
    assert polls == [
        (LISTING, [day, again, paper], page + one),  # page 1, a 304 to page 2, one paper
        (NOT_MODIFIED, [day, again], 0),
        (LISTING, [day, again, paper], grown + one),  # the day changed: page 1 once
        (NOT_MODIFIED, [day, again], 0),
    ]
    assert server.requests[1].headers["If-None-Match"] == '"30-100"'  # page 2, asked as page 1 came
    assert "If-None-Match" not in server.requests[2].headers  # the paper, unconditionally


def test_a_server_that_ignores_the_page_and_refuses_one_paper_is_paged_as_before(workspace):
    """The paper asked alone is a help, not a need: a server that refuses ``limit=1`` (400 here)
    costs page 1 twice, as before, and the day is stored."""
    api = daily_api(day_of(30), pages=False)

    def no_single_paper(query: dict[str, str]) -> Route:
        if query.get("limit") == "1":
            return Route(b'{"error": "limit must be at least 10"}', status=400)
        return api(query)

    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": no_single_paper})
    assert [path.split("&", 1)[1] for path in asked] == [
        "limit=100&p=0",
        "limit=100&p=1",  # 304
        "limit=1&p=1",  # 400
        "limit=100&p=1",  # page 1 again: nothing new
    ]
    assert outcome.outcome == LISTING and len(papers) == 30


def test_a_server_with_one_etag_for_every_page_of_a_day_gives_the_whole_day(workspace):
    """An ETag is a URL's: a server may give every page of a day the day's version as its ETag.
    Page 2 asked with page 1's ETag after a 200 then answered 304, taken for page 1 again: the 8
    papers past page 1 were lost, at every fetch. A 304 to page 2 after a page 1 that came anew
    is page 1 again only if the second paper asked alone is page 1's first (p ignored): here it
    is page 1's second, so page 2 is asked again without the ETag (two small requests more)."""
    papers = day_of(108)

    def answer(query: dict[str, str]) -> Route:
        limit, page = min(int(query.get("limit", 50)), 100), int(query.get("p", 0))
        return Route(json.dumps(papers[page * limit : (page + 1) * limit]).encode(), etag='"2026-11-29 v1"')

    outcome, stored, asked = fetch(workspace, {"/api/daily_papers": answer})
    assert outcome.outcome == LISTING and len(stored) == 108
    assert [path.split("&", 1)[1] for path in asked] == [
        "limit=100&p=0",
        "limit=100&p=1",  # 304: the day's version
        "limit=1&p=1",  # the second paper: the server pages
        "limit=100&p=1",
        "limit=100&p=2",
    ]


def test_pages_under_a_dumps_limit_that_come_to_more_as_one_document_are_refused(workspace):
    """49 pages, 10,323,239 bytes: under the limit as they come, 10,568,191 as the day's one
    document (each "1E5" written "100000.0"): refused before it is saved, not kept in failed/."""
    papers = day_of(4900)
    for paper in papers:
        paper["paper"]["authors"] = [{"name": f"Au{k}"} for k in range(40)]
        paper["paper"]["summary"] = "An invented abstract. " * 57
    numbers = ",".join(f'"n{k}":1E5' for k in range(10))

    def answer(query: dict[str, str]) -> Route:
        start = int(query.get("p", 0)) * 100
        text = json.dumps(papers[start : start + 100], separators=(",", ":"))
        return Route(text.replace('"publishedAt"', numbers + ',"publishedAt"').encode())

    outcome, stored, asked = fetch(workspace, {"/api/daily_papers": answer})
    assert len(asked) == 50 and outcome.outcome == FAILED and stored == []
    assert (
        "/api/daily_papers?date=2026-11-29: the 49 pages of the day come to 10,568,191 bytes"
        in outcome.detail
    )
    assert outcome.detail.endswith(" as one document, over the limit of 10 MB for a dump; refused")
    assert not (workspace.root / "inbox" / "failed").exists()


@pytest.mark.parametrize("count", [100, 101])
def test_a_day_of_exactly_the_most_pages_is_fetched_and_one_more_paper_refused(workspace, count):
    """A day of 50 full pages (limit=2 in the url: 100 papers) was refused as 'more than 50
    pages of 2 papers for one day' before the empty page after them was asked. The 51st page
    is asked: empty, the day is its 50 pages; one more paper on it, the day is refused."""
    source = "  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}&limit=2\n"
    outcome, papers, asked = fetch(workspace, {"/api/daily_papers": daily_api(day_of(count))}, source)
    if count == 100:
        assert outcome.outcome == LISTING and len(papers) == 100, outcome.detail
    else:
        assert outcome.outcome == FAILED and papers == []
        assert "more than 50 pages of 2 papers for one day; refused" in outcome.detail
    assert len(asked) == 51  # the 50 pages and the one after them


def moved_api(papers: list[dict]) -> dict[str, Callable[[dict[str, str]], Route]]:
    """The daily API at /api/daily_papers, and /old/api/daily_papers sending every page there (301)."""

    def old(query: dict[str, str]) -> Route:
        return Route(status=301, headers={"Location": "/api/daily_papers?" + urlencode(query)})

    return {"/old/api/daily_papers": old, "/api/daily_papers": daily_api(papers)}


@pytest.mark.parametrize("count", [3, 108])
def test_a_day_moved_permanently_is_said_with_the_days_address_in_one_page_or_several(workspace, count):
    """A day of several pages did not say a 301 that a day of one page says; the one page said the
    address of its page (limit=100&p=0), which set as the url fetches that one page alone. Both say
    the day's address now, the pages' limit and p left out."""
    old = "  - kind: hf_daily\n    url: {base}/old/api/daily_papers?date={date}\n"
    outcome, papers, _ = fetch(workspace, moved_api(day_of(count)), old)
    assert outcome.outcome == LISTING and len(papers) == count, outcome.detail
    new = "/api/daily_papers?date=2026-11-29: update sources[0].url in "
    assert new in outcome.detail and "(keeping its {date}" in outcome.detail, outcome.detail


def test_a_later_page_gone_fails_the_day_as_a_page_not_the_days_address_gone(workspace):
    """A 410 on page 2: the day's address answered, so it is not said gone for good (nor its
    key to fix), and the day is asked again at the usual retry, not only at its next time."""

    def second_page_gone(query: dict[str, str]) -> Route:
        if query.get("p") == "1":
            return Route(b"gone", status=410, content_type="text/plain")
        return daily_api(day_of(108))(query)

    outcome, papers, _ = fetch(workspace, {"/api/daily_papers": second_page_gone})
    assert outcome.outcome == FAILED and papers == []
    assert outcome.detail.endswith("/api/daily_papers?date=2026-11-29&limit=100&p=1: HTTP 410 Gone")
    config = load_config(workspace.config_path)
    with Store(config.database) as store:
        assert not last_fetches(store)["hf_daily"].gone
