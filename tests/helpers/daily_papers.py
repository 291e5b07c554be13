"""A daily papers JSON (the Hugging Face format digest fetches and ingests), written by a test."""

from __future__ import annotations

import datetime as dt
import json


def daily_papers(day: dt.date, papers: list[dict[str, object]], first_id: int) -> bytes:
    """``papers`` (title, summary, authors' names, githubRepo, projectPage) as the JSON lists them,
    published on ``day``, numbered from 2612.<first_id>."""
    items = [
        {
            "paper": {
                "id": f"2612.{first_id + n}",
                "title": p["title"],
                "summary": p["summary"],
                "authors": [{"name": name} for name in p["authors"]],  # type: ignore[attr-defined]
                "githubRepo": p["githubRepo"],
                "projectPage": p["projectPage"],
            },
            "publishedAt": f"{day.isoformat()}T08:00:00.000Z",
        }
        for n, p in enumerate(papers)
    ]
    return json.dumps(items).encode()
