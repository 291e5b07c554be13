"""One paper, many listings: how a listed entry finds the paper it is (by arXiv id, else by a
normalized title, the paper's first or any other it was listed under) and what it adds to it.
Inside ``Store.add_listing``'s transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from typing import Any

from digest.models import Entry

log = logging.getLogger(__name__)

_MERGE = "id, arxiv_id, first_seen, abstract, authors, categories, code_url, project_url, upvotes"


def title_key(title: str) -> str:
    """Normalize a title for deduplication: Unicode form, case, punctuation and whitespace."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def _by_title(db: Any, key: str) -> tuple | None:
    row = db.execute(f"SELECT {_MERGE} FROM papers WHERE key = ?", (key,)).fetchone()
    if row is None:  # a title the paper was listed under later (changed between versions)
        sql = f"SELECT {_MERGE} FROM papers WHERE id = (SELECT paper_id FROM paper_titles WHERE key = ?)"
        row = db.execute(sql, (key,)).fetchone()
    return row


def upsert_paper(db: Any, entry: Entry, day: dt.date, stamp: str) -> tuple[int, bool]:
    """(paper id, whether it is new)."""
    key = title_key(entry.title)
    row = None
    if entry.arxiv_id:
        row = db.execute(f"SELECT {_MERGE} FROM papers WHERE arxiv_id = ?", (entry.arxiv_id,)).fetchone()
        if row is not None and _by_title(db, key) is None:  # listed under another title now:
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, row[0]))  # kept
    if row is None:
        row = _by_title(db, key)
        if row is not None and entry.arxiv_id and row[1] and row[1] != entry.arxiv_id:
            row, key = None, f"{key} arxiv {entry.arxiv_id}"  # two papers, one title
    if row is None:
        paper_id = db.execute(
            "INSERT INTO papers (key, title, abstract, first_seen, added_at, arxiv_id, authors, "
            "categories, code_url, project_url, upvotes) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                entry.title,
                entry.abstract,
                day.isoformat(),
                stamp,
                entry.arxiv_id,
                json.dumps(list(entry.authors)),
                json.dumps(list(entry.categories)),
                entry.code_url,
                entry.project_url,
                entry.upvotes,
            ),
        ).lastrowid
        return paper_id, True
    paper_id, known_id, first_seen, abstract, authors, categories, code, project, upvotes = row
    merged_categories = list(dict.fromkeys(json.loads(categories) + list(entry.categories)))
    if abstract and len(entry.abstract) > len(abstract) and entry.abstract.startswith(abstract):
        # stored cut short (an interrupted copy): the fuller text completes it
        abstract = entry.abstract
        db.execute("DELETE FROM embeddings WHERE paper_id = ?", (paper_id,))
        log.info("paper %d: abstract completed from a fuller copy", paper_id)
    votes = [v for v in (upvotes, entry.upvotes) if v is not None]
    db.execute(
        "UPDATE papers SET first_seen = ?, abstract = ?, arxiv_id = ?, authors = ?, categories = ?, "
        "code_url = ?, project_url = ?, upvotes = ? WHERE id = ?",
        (
            min(first_seen, day.isoformat()),  # an older listing may arrive late
            abstract or entry.abstract,
            known_id or entry.arxiv_id,
            authors if json.loads(authors) else json.dumps(list(entry.authors)),
            json.dumps(merged_categories),
            code or entry.code_url,
            project or entry.project_url,
            max(votes) if votes else None,
            paper_id,
        ),
    )
    return paper_id, False
