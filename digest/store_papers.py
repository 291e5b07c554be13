"""One paper, many listings: how a listed entry finds the paper it is (by arXiv id, else by a
normalized title, the paper's first or any other it was listed under) and what it adds to it.
Inside ``Store.add_listing``'s transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import unicodedata
from typing import Any

from digest.fetched_names import fetched_source
from digest.models import Entry
from digest.select.text import fold_case
from digest.store_chunks import in_chunks
from digest.store_readers import QUEUED

log = logging.getLogger(__name__)

MERGE_SLACK = dt.timedelta(days=7)  # a paper listed without its id this long before it had one
SHARED_WORDS = 0.6  # of the longer words of the shorter abstract: the same paper
_MERGE = "id, arxiv_id, first_seen, abstract, authors, categories, code_url, project_url, upvotes"


def title_key(title: str) -> str:
    """Normalize a title for deduplication: Unicode form, case (as the matcher folds it: a capital
    dotted I is an "i", :func:`digest.select.text.fold_case`), punctuation and whitespace."""
    text = fold_case(unicodedata.normalize("NFKC", title))
    return re.sub(r"[\W_]+", " ", text).strip()


def title_key_before_21(title: str) -> str:
    """The key a title had until schema version 21 (plain casefold: "İstanbul" was "i stanbul")."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", title).casefold()).strip()


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
        titled = _by_title(db, key) if row is not None else None
        if row is not None and titled is None:  # listed under another title now:
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, row[0]))  # kept
        elif row is not None and titled[0] != row[0] and titled[1] is None and _same(titled, row, entry):
            # stored without an id under this title (the trending page had the new title first):
            # the same paper, which becomes one with this one
            merge_paper(db, into=row[0], other=titled[0], stamp=stamp)
            row = db.execute(f"SELECT {_MERGE} FROM papers WHERE id = ?", (row[0],)).fetchone()
    if row is None:
        # a dotted I: the paper stored under this very title's key as made before version 21 first
        # (its migration could not re-key a title only listed, nor one whose new key was another
        # paper's: two papers of one title now, the other found by the new key alone)
        before_21 = title_key_before_21(entry.title)
        row = _by_title(db, before_21) if before_21 != key else None
        if row is None:
            row = _by_title(db, key)
        elif not _another_id(row, entry) and _by_title(db, key) is None:
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, row[0]))
        if row is not None and _another_id(row, entry):
            row, key = None, f"{key} arxiv {entry.arxiv_id}"  # two papers, one title
    if row is None and entry.read_before:
        row = _read_before(db, entry, key)
    if row is None:
        given = _id_past_merged(db)
        columns = (
            "id, " if given else ""
        ) + "key, title, abstract, first_seen, added_at, arxiv_id, authors, "
        paper_id = db.execute(
            f"INSERT INTO papers ({columns}categories, code_url, project_url, upvotes) "
            f"VALUES ({'?,' * len(given)}?,?,?,?,?,?,?,?,?,?,?)",
            (
                *given,
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
    _complete(db, row, entry, day)
    return row[0], False


def other_abstract(db: Any, paper_id: int, entry: Entry, source: str, listing_id: int) -> bool:
    """Whether ``entry`` gives the known paper another abstract than the one kept (the first,
    README "Sources"), and the kept one is this ``source``'s (fetched_source: "" for a dropped
    dump): the paper's first listing, before ``listing_id``'s, is by it. A corrected abstract, not
    another source's wording of the same one (which a source listing the paper again, unchanged,
    would be said to correct at each listing), nor the start of the kept one (the copy a fuller
    one completed), nor the same listing's paper listed twice (said: repeats)."""
    row = db.execute("SELECT abstract FROM papers WHERE id = ?", (paper_id,)).fetchone()
    # the kept one starting with it: the copy cut short that a fuller one completed (_complete)
    if (
        not entry.abstract
        or row is None
        or " ".join(row[0].split()).startswith(" ".join(entry.abstract.split()))
    ):
        return False
    sql = "SELECT MIN(listing_id) FROM listing_papers WHERE paper_id = ? AND listing_id <> ?"
    first = db.execute(sql, (paper_id, listing_id)).fetchone()
    if first is None or first[0] is None:
        return False
    fetched = db.execute(  # and the source that stored it (without a fetch row if stored by a
        # release before schema 39 as it upgraded)
        "SELECT source FROM listing_fetches WHERE listing_id = ? "
        "UNION SELECT source FROM listings WHERE id = ?",
        (first[0], first[0]),
    ).fetchall()
    return source in {fetched_source(path) for (path,) in fetched}  # a mirror's same bytes: its too


def _another_id(row: tuple, entry: Entry) -> bool:
    """Is the paper ``row``, found by the listing's title, stored with another arXiv id than its?"""
    return bool(entry.arxiv_id and row[1] and row[1] != entry.arxiv_id)


def _same(unnamed: tuple, named: tuple, entry: Entry) -> bool:
    """Is the paper stored without an id under this listing's title the listed one? A title
    alone is too little (a short or generic one, "Introduction", may be two papers): it was first
    listed after the paper with the id (a week of slack for a late source), and its abstract
    says the same as the listing's (most of the longer words of the shorter one are the
    other's), or one of them has none. Two papers are kept otherwise, as before merging."""
    if listed_long_before(unnamed[2], named[2]):
        return False
    if same_abstract(unnamed[3], entry.abstract or named[3]):
        return True
    log.info("%r: the paper stored without an arXiv id has another abstract: kept apart", entry.title)
    return False


def _read_before(db: Any, entry: Entry, key: str) -> tuple | None:
    """The paper stored without an id under a title an earlier version of digest read this
    item's title as (a feed's HTML: digest.ingest.sources.markup.read_before), if its abstract
    says the same (most of the longer words of the shorter one are the other's); the title's
    key now is added to it, so that it is found at once from now on."""
    for title in entry.read_before:
        row = _by_title(db, title_key(title))
        if row is None or row[1] is not None:
            continue
        ours, theirs = _words(row[3]), _words(entry.abstract)
        if ours and theirs and len(ours & theirs) >= SHARED_WORDS * min(len(ours), len(theirs)):
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, row[0]))
            log.info("%r: the paper stored under the title %r, as digest read it before", entry.title, title)
            return row
    return None


def listed_long_before(unnamed_first_seen: str, named_first_seen: str) -> bool:
    """Was the paper stored without an arXiv id first listed too long before the one with it
    (:data:`MERGE_SLACK`) to be it?"""
    return dt.date.fromisoformat(unnamed_first_seen) < dt.date.fromisoformat(named_first_seen) - MERGE_SLACK


def same_abstract(one: str, other: str) -> bool:
    """Do two abstracts say the same: most of the longer words of the shorter one are the other's
    (:data:`SHARED_WORDS`), or one of them is empty."""
    ours, theirs = _words(one), _words(other)
    return not ours or not theirs or len(ours & theirs) >= SHARED_WORDS * min(len(ours), len(theirs))


def _words(text: str) -> set[str]:
    return {w for w in title_key(text).split() if len(w) > 3}


def _id_past_merged(db: Any) -> tuple[int, ...]:
    """SQLite gives a new row the highest id + 1: a merged paper's id, if it was the highest
    (:func:`merge_paper`), which its old links and messages name and readers' next windows
    start after. So a new paper's id is then past it: (that id,); () for the database's own
    (and always on PostgreSQL, whose identity never gives an id twice)."""
    if not isinstance(db, sqlite3.Connection):
        return ()
    row = db.execute("SELECT MAX(old_id) FROM paper_merges WHERE old_id > (SELECT MAX(id) FROM papers)")
    merged = row.fetchone()[0]
    return () if merged is None else (merged + 1,)


def _complete(db: Any, row: tuple, entry: Entry, day: dt.date) -> None:
    """What ``entry`` (listed on ``day``) knows that the stored paper ``row`` did not, added to it."""
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


def merge_paper(db: Any, *, into: int, other: int, stamp: str) -> None:
    """Paper ``other`` (stored without an arXiv id) is paper ``into``: what it knows, its
    listings, what was sent of it and its ratings become ``into``'s, and it is deleted. Its
    title finds ``into`` from now on, its id too (``paper_merges``: the links already sent).

    A reader sent both keeps the record of ``into``'s delivery; a reader who rated both keeps
    the later rating. A message waiting in the outbox with ``other`` holds ``into`` instead.
    The archive's word counts (digest.select.collection) keep counting ``other``: a paper's
    score does not move because another was merged.

    On PostgreSQL, ``other``'s row is locked first: a delivery or rating of it being recorded
    (its row locked against deletion) is waited for, then moved with the rest, where the merge
    used to delete the paper from under it (a foreign key violation: the ingest failed); one that
    comes later waits for the merge and records the paper it became (ReaderRecords). Before it,
    the rows of the queued messages naming ``other`` are locked, in the order a delivery's record
    takes them (Outbox.mark_sent: its message's row, then its papers'): the merge that held the
    paper and then waited for the message's row met the delivery holding the row and waiting for
    the paper, and PostgreSQL ended the delivery's transaction (after the server had accepted it)."""
    if not isinstance(db, sqlite3.Connection):  # SQLite's write lock is the whole database's
        # those alone (a LIKE finds any id with the digits), in id order, a chunk of ids at a time
        for chunk, marks in in_chunks(_queued_with(db, other)):
            db.execute(f"SELECT id FROM outbox WHERE id IN ({marks}) ORDER BY id FOR UPDATE", chunk)
        db.execute("SELECT id FROM papers WHERE id = ? FOR UPDATE", (other,))
    key, title, abstract, first_seen, authors, categories, code, project, upvotes = db.execute(
        "SELECT key, title, abstract, first_seen, authors, categories, code_url, project_url, upvotes "
        "FROM papers WHERE id = ?",
        (other,),
    ).fetchone()
    as_entry = Entry(
        title, abstract, 0, authors=tuple(json.loads(authors)), categories=tuple(json.loads(categories)),
        code_url=code, project_url=project, upvotes=upvotes,
    )  # fmt: skip
    row = db.execute(f"SELECT {_MERGE} FROM papers WHERE id = ?", (into,)).fetchone()
    _complete(db, row, as_entry, dt.date.fromisoformat(first_seen))
    moves = (
        "INSERT OR IGNORE INTO listing_papers (listing_id, paper_id, position) "
        "SELECT listing_id, ?, position FROM listing_papers WHERE paper_id = ?",
        "INSERT OR IGNORE INTO sent_papers (user, paper_id, delivery_id) "
        "SELECT user, ?, delivery_id FROM sent_papers WHERE paper_id = ?",
        "INSERT INTO ratings (user, paper_id, rating, rated_at) "
        "SELECT user, ?, rating, rated_at FROM ratings WHERE paper_id = ? "
        "ON CONFLICT (user, paper_id) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at "
        "WHERE excluded.rated_at > ratings.rated_at",
    )
    (first_listing,) = db.execute(
        "SELECT MIN(listing_id) FROM listing_papers WHERE paper_id = ?", (other,)
    ).fetchone()
    for sql in moves:
        db.execute(sql, (into, other))
    for table in ("listing_papers", "sent_papers", "ratings", "embeddings"):
        db.execute(f"DELETE FROM {table} WHERE paper_id = ?", (other,))
    db.execute("UPDATE paper_titles SET paper_id = ? WHERE paper_id = ?", (into, other))
    db.execute("UPDATE paper_merges SET paper_id = ? WHERE paper_id = ?", (into, other))
    _requeue(db, into, other)
    db.execute("DELETE FROM papers WHERE id = ?", (other,))
    db.execute("INSERT OR IGNORE INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, into))
    db.execute(
        "INSERT INTO paper_merges (old_id, paper_id, listing_id, merged_at) VALUES (?,?,?,?)",
        (other, into, first_listing, stamp),
    )
    log.info("paper %d (%r, stored without an arXiv id) is paper %d: merged into it", other, title, into)


def _queued_with(db: Any, other: int) -> list[int]:
    """The messages waiting in the outbox with paper ``other``, in the order of their ids."""
    rows = db.execute(
        "SELECT id, paper_ids FROM outbox WHERE status = ? AND paper_ids LIKE ? ORDER BY id",
        (QUEUED, f"%{other}%"),
    ).fetchall()
    return [outbox_id for outbox_id, raw in rows if other in json.loads(raw)]


def _requeue(db: Any, into: int, other: int) -> None:
    """The messages waiting in the outbox with paper ``other`` hold ``into`` instead."""
    rows = db.execute(
        "SELECT id, paper_ids FROM outbox WHERE status = ? AND paper_ids LIKE ?", (QUEUED, f"%{other}%")
    ).fetchall()
    for outbox_id, raw in rows:
        ids = json.loads(raw)
        if other in ids:
            ids = list(dict.fromkeys(into if i == other else i for i in ids))
            db.execute("UPDATE outbox SET paper_ids = ? WHERE id = ?", (json.dumps(ids), outbox_id))
