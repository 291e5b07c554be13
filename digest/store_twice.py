"""Migration 21 -> 22, a data migration: a paper stored twice before ingest read a title as it
does now (before schema 15: once with a control character or bidi override from an escape and
once without; a feed's title once as HTML, ``Salt &amp; Pepper``, and once as text) is merged
into one, as the ingest merges a paper listed again (digest.store_papers.merge_paper): its
listings, what was sent of either copy and their ratings (a reader who rated both keeps the later
rating) become the kept copy's, and the links and queued messages naming the other find it.

Two copies are the same paper when the title of one, read as a new ingest reads it, is the key
of the other (its stored title, or one it was listed under), and they do not say otherwise: not
two arXiv ids, and the same abstract by the merge's measure (most of the longer words of the
shorter one are the other's, or one has none), nor a copy without an id first listed over a week
before the one with it (store_papers.MERGE_SLACK: the ingest keeps those apart too). The copy
with an arXiv id is kept, else the one the title finds now (a new listing of it adds to that
one). Run in the migration's transaction; a store with no such pair (the usual case) is only read.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

from digest.db import wall_clock
from digest.store_papers import listed_long_before, merge_paper, same_abstract, title_key
from digest.store_readers import iso

log = logging.getLogger(__name__)

CHUNK = 1000  # papers read at a time


def merge_stored_twice(db: Any, dialect: str) -> None:
    """Merge each pair of copies of one paper (see the module's doc)."""
    pairs = [(pid, found) for pid, keys in _titled(db) for found in _found_by(db, pid, keys)]
    merged = 0
    stamp = iso(wall_clock())
    for pid, other_pid in pairs:
        one, two = _paper(db, _current(db, pid)), _paper(db, _current(db, other_pid))
        if one is None or two is None or one[0] == two[0]:
            continue  # merged already, by an earlier pair
        if one[1] and two[1]:
            log.warning("papers %d and %d: one title, two arXiv ids: both are kept", one[0], two[0])
            continue
        if not same_abstract(one[2], two[2]):
            log.warning("papers %d and %d: one title, another abstract: both are kept", one[0], two[0])
            continue
        into, other = (one, two) if one[1] else (two, one)  # the id's copy, else the one found now
        if into[1] and listed_long_before(other[3], into[3]):  # as the ingest: another paper
            log.warning(
                "papers %d and %d: the copy without an arXiv id was listed long before: both are kept",
                into[0],
                other[0],
            )
            continue
        merge_paper(db, into=into[0], other=other[0], stamp=stamp)
        merged += 1
    if merged:
        log.info("%d papers stored twice before titles were read as now merged", merged)


def _titled(db: Any) -> list[tuple[int, list[str]]]:
    """(id, the other keys) of the papers whose title a new ingest would find by another key. Not
    the title's own key for a paper the ingest stored under it with its arXiv id (``<key> arxiv
    <id>``: another paper with an id had the title, store_papers.upsert_paper): two papers it keeps
    apart on purpose, not one stored twice."""
    out: list[tuple[int, list[str]]] = []
    last = 0
    sql = "SELECT id, key, title, arxiv_id FROM papers WHERE id > ? ORDER BY id LIMIT ?"
    while rows := db.execute(sql, (last, CHUNK)).fetchall():
        last = rows[-1][0]
        for pid, key, title, arxiv_id in rows:
            keys = {k for k in _keys(title) - {key} if not arxiv_id or key != f"{k} arxiv {arxiv_id}"}
            if keys:
                out.append((pid, sorted(keys)))
    return out


def _keys(title: str) -> set[str]:
    """The keys a listing of ``title`` finds a paper by now: its text's, and (a feed's title, read
    as HTML) its shown text's (as migration 14 -> 15 reads it: digest.store_cleanup)."""
    from digest.ingest.sources.fields import clean
    from digest.ingest.sources.markup import element_text

    keys = {title_key(clean(title))}
    if "<" in title or "&" in title:
        node = ET.Element("title")
        node.text = title
        keys.add(title_key(element_text(node)))
    return keys - {""}


def _found_by(db: Any, pid: int, keys: list[str]) -> list[int]:
    """The other papers ``keys`` find (each once)."""
    found: list[int] = []
    for other_key in keys:
        row = (
            db.execute("SELECT id FROM papers WHERE key = ?", (other_key,)).fetchone()
            or db.execute("SELECT paper_id FROM paper_titles WHERE key = ?", (other_key,)).fetchone()
        )
        if row is not None and row[0] != pid and row[0] not in found:
            found.append(row[0])
    return found


def _current(db: Any, pid: int) -> int:
    row = db.execute("SELECT paper_id FROM paper_merges WHERE old_id = ?", (pid,)).fetchone()
    return pid if row is None else int(row[0])


def _paper(db: Any, pid: int) -> tuple[int, str | None, str, str] | None:
    return db.execute("SELECT id, arxiv_id, abstract, first_seen FROM papers WHERE id = ?", (pid,)).fetchone()
