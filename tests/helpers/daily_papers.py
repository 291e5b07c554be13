"""A daily papers JSON (the Hugging Face format digest fetches and ingests), written by a test."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from digest.demo.http_server import Route


def daily_papers(
    day: dt.date, papers: list[dict[str, object]], first_id: int, *, page_day: bool = True
) -> bytes:
    """``papers`` (title, summary, authors' names, githubRepo, projectPage) as the real API lists
    them on the daily page of ``day``, numbered from 2612.<first_id>: each put on that page
    (``paper.submittedOnDailyAt``, midnight UTC of ``day``), its ``publishedAt`` the arXiv
    submission of the day before (the paper's at midnight, the item's with its time).
    ``page_day=False``: as older answers and other mirrors send them, without
    ``submittedOnDailyAt``, the items' ``publishedAt`` on ``day`` itself."""
    arxiv = day - dt.timedelta(days=1)
    items = []
    for n, p in enumerate(papers):
        paper: dict[str, object] = {
            "id": f"2612.{first_id + n}",
            "title": p["title"],
            "summary": p["summary"],
            "authors": [{"name": name} for name in p["authors"]],  # type: ignore[attr-defined]
            "githubRepo": p["githubRepo"],
            "projectPage": p["projectPage"],
        }
        if page_day:
            paper["publishedAt"] = f"{arxiv.isoformat()}T00:00:00.000Z"
            paper["submittedOnDailyAt"] = f"{day.isoformat()}T00:00:00.000Z"
        listed = f"{arxiv.isoformat()}T17:00:00.000Z" if page_day else f"{day.isoformat()}T08:00:00.000Z"
        items.append({"paper": paper, "publishedAt": listed})
    return json.dumps(items).encode()


def as_the_api_sends(day: dt.date, arxiv_day: dt.date, titles: list[str], first_id: int) -> bytes:
    """The daily papers of ``day`` as the real API answers ``?date=<day>``: each paper put on the
    daily page that day (``paper.submittedOnDailyAt``, midnight UTC of the page's day), its
    ``publishedAt`` (outer: the arXiv submission time; ``paper``'s: that day at midnight) on
    ``arxiv_day``, before it (the last paper two weeks before: a paper put on the page late)."""
    items = []
    for n, title in enumerate(titles):
        arxiv = arxiv_day - dt.timedelta(days=14 if n == len(titles) - 1 and n else 0)
        summary = f"We study {title.lower()}."
        paper = {
            "id": f"2612.{first_id + n}",
            "authors": [{"_id": f"a{n}", "name": "A. Writer", "hidden": False}],
            "publishedAt": f"{arxiv.isoformat()}T00:00:00.000Z",
            "submittedOnDailyAt": f"{day.isoformat()}T00:00:00.000Z",
            "title": title,
            "summary": summary,
            "upvotes": 3 + n,
            "discussionId": f"d{n}",
        }
        items.append(
            {
                "paper": paper,
                "publishedAt": f"{arxiv.isoformat()}T17:{n:02d}:41.000Z",
                "title": title,
                "summary": summary,
                "thumbnail": f"https://cdn-thumbnails.example.org/{paper['id']}.png",
                "numComments": 0,
                "isAuthorParticipating": False,
            }
        )
    return json.dumps(items).encode()


def graph_page(query: dict[str, str]) -> bytes:
    """The real API's answer to ``?date=D&p=P``: D's daily page of two "Graph topic <D's day>"
    papers of the arXiv day before on page 0, ``[]`` on the pages after it."""
    if query.get("p", "0") != "0":
        return b"[]"
    day = dt.date.fromisoformat(query["date"])
    return as_the_api_sends(
        day,
        day - dt.timedelta(days=1),
        [f"Graph topic {day.day} {n}" for n in ("one", "two")],
        10000 + 10 * day.day,
    )


def down_while(down: Path) -> Callable[[dict[str, str]], Route]:
    """The daily papers API: each day's page (:func:`graph_page`), or a 503 while ``down`` exists
    (an outage, the machine offline)."""

    def answer(query: dict[str, str]) -> Route:
        return (
            Route(b"busy", status=503, content_type="text/plain")
            if down.exists()
            else Route(graph_page(query))
        )

    return answer


def page(day: int) -> bytes:
    """The daily page of 2026-12-<day>: two papers of the arXiv day before."""
    on = dt.date(2026, 12, day)
    titles = [f"Graph topic {day} one", f"Graph topic {day} two"]
    return as_the_api_sends(on, on - dt.timedelta(days=1), titles, 10000 + 10 * day)
