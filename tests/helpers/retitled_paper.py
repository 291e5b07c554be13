"""A paper listed under its first title without its arXiv id (daily_json, the daily papers' JSON) and
later with the id and a new title (query_atom, the arXiv query API): the titles, its abstract, the
Monday it is fetched."""

from __future__ import annotations

import datetime as dt
import json

OLD, NEW = "Sparse Lanterns for Streaming Retrieval", "Sparse Lanterns: Streaming Retrieval at Scale"
ABSTRACT = "We keep a sparse set of lantern vectors that light the way to the documents a query needs."
MON = dt.datetime(2026, 3, 16, 6, 0, tzinfo=dt.UTC)


def daily_json(day: str) -> str:  # the daily papers JSON: the id with the first title
    paper = {"id": "2603.04040", "title": OLD, "summary": ABSTRACT, "upvotes": 4}
    paper["authors"] = [{"name": "Ines Vale"}]
    return json.dumps([{"paper": paper, "publishedAt": f"{day}T12:00:00.000Z"}])


def query_atom(day: str) -> str:  # the arXiv query API: the id (v2) with the new title
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<updated>{day}T00:00:00-05:00</updated>
<entry><id>http://arxiv.org/abs/2603.04040v2</id><title>{NEW}</title><summary>{ABSTRACT}</summary>
<author><name>Ines Vale</name></author><arxiv:primary_category term="cs.IR"/></entry>
</feed>"""
