"""The archive's word counts (digest.select.collection) made again for some papers only: those
whose stored text a migration changed, or that the matcher now reads otherwise (migrations
14 -> 15 and 17 -> 18: digest.store_cleanup). In the migration's transaction, so that the counts
are the ones indexing those papers now would have made, and the rest of the archive is not
indexed again (2.5 minutes per 50,000 papers).

For each such paper already indexed: its entry in ``paper_terms`` is replaced (on SQLite the
terms it was indexed with are read back through ``fts5vocab``, which FTS5 needs to delete a
contentless row); each count of ``term_stats`` that names one of its old or new terms is dropped
(counted again, from the index, when next asked); if its text defines an acronym, before or now,
the ``acronyms`` counts are made again from every indexed paper's text. ``collection_state``
stays: the same papers are counted. Where the papers are many (:data:`PART` of the archive), the
counts are emptied instead and the next ranking indexes every paper again, which is then as fast.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

from digest.db import POSTGRESQL
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)

PART = 0.2  # of the indexed papers: beyond it, every paper is indexed again
CHUNK = 500  # papers read at a time


def reindex_papers(db, dialect: str, ids: Iterable[int], before: Iterable[str] = ()) -> None:
    """Make the word counts of papers ``ids`` again (see the module's doc); ``before``: the texts
    they had, where a migration changed them."""
    from digest.select.acronyms import may_define  # the matcher's: loaded only when needed
    from digest.select.collection import paper_terms, term_hex

    row = db.execute("SELECT through, papers FROM collection_state WHERE id = 1").fetchone()
    through, indexed = (row[0], row[1]) if row else (0, 0)
    wanted = sorted(i for i in set(ids) if i <= through)  # the others are indexed by the next refresh
    if not wanted:
        return
    if len(wanted) > PART * indexed:
        empty_word_counts(db, dialect)
        return
    touched: set[str] = set()
    acronyms = any(may_define(text) for text in before)
    old = _indexed_terms(db, dialect, wanted)
    for chunk, marks in in_chunks(wanted):
        texts = _texts(db, chunk, marks)
        for pid in chunk:
            title, abstract = texts.get(pid, ("", ""))
            acronyms = acronyms or may_define(f"{title}\n{abstract}")
            words, pairs = paper_terms(title, abstract)
            touched |= old.get(pid, set()) | {term_hex(t) for t in words | pairs}
            _replace(db, dialect, pid, old.get(pid), words, pairs)
    stale = [key for (key,) in db.execute("SELECT key FROM term_stats").fetchall() if _names(key, touched)]
    for chunk, marks in in_chunks(stale):
        db.execute(f"DELETE FROM term_stats WHERE key IN ({marks})", chunk)
    if acronyms:
        _recount_acronyms(db, through)
    log.info("the word counts of %d papers are made again", len(wanted))


def empty_word_counts(db, dialect: str) -> None:
    """Empty the archive's word counts (digest.select.collection): the next ranking makes them
    again from every paper."""
    if dialect == POSTGRESQL:
        db.execute("DELETE FROM paper_terms")
    else:  # a contentless FTS5 table is emptied by its 'delete-all' command
        db.execute("INSERT INTO paper_terms (paper_terms) VALUES ('delete-all')")
    for table in ("term_stats", "acronyms", "collection_state"):
        db.execute(f"DELETE FROM {table}")
    log.info("the archive's word counts are emptied: the next ranking indexes every paper again")


def _texts(db, ids: list[int], marks: str) -> dict[int, tuple[str, str]]:
    """The title and abstract of each of papers ``ids`` (``marks``: their placeholders)."""
    rows = db.execute(f"SELECT id, title, abstract FROM papers WHERE id IN ({marks})", ids).fetchall()
    return {pid: (title, abstract) for pid, title, abstract in rows}


def _indexed_terms(db, dialect: str, ids: list[int]) -> dict[int, set[str]]:
    """The terms each of these papers is indexed with (none: not in the index). On SQLite, one
    read of the whole index (fts5vocab finds a term's papers, not a paper's terms): 4 s per
    50,000 papers."""
    found: dict[int, set[str]] = {}
    if dialect == POSTGRESQL:
        for chunk, marks in in_chunks(ids):
            sql = f"SELECT paper_id, tsvector_to_array(terms) FROM paper_terms WHERE paper_id IN ({marks})"
            found.update((pid, set(terms)) for pid, terms in db.execute(sql, chunk).fetchall())
        return found
    db.execute("CREATE TEMPORARY TABLE reindexed (id INTEGER PRIMARY KEY)")
    db.execute("CREATE VIRTUAL TABLE temp.paper_terms_instances USING fts5vocab(main, paper_terms, instance)")
    try:
        db.executemany("INSERT INTO temp.reindexed (id) VALUES (?)", [(i,) for i in ids])
        sql = "SELECT doc, term FROM temp.paper_terms_instances WHERE doc IN (SELECT id FROM temp.reindexed)"
        for pid, term in db.execute(sql):
            found.setdefault(pid, set()).add(term)
    finally:
        db.execute("DROP TABLE temp.paper_terms_instances")
        db.execute("DROP TABLE temp.reindexed")
    return found


def _replace(db, dialect: str, pid: int, old: set[str] | None, words: set[str], pairs: set[str]) -> None:
    """Paper ``pid``'s entry in the index: its ``old`` terms (hex) out, these words and pairs in."""
    from digest.select.collection import index_paper

    if dialect == POSTGRESQL:
        db.execute("DELETE FROM paper_terms WHERE paper_id = ?", (pid,))
    elif old:  # FTS5 deletes a contentless row given the terms it was indexed with (detail=none: any column)
        db.execute(
            "INSERT INTO paper_terms (paper_terms, rowid, words, pairs) VALUES ('delete', ?, ?, '')",
            (pid, " ".join(sorted(old))),
        )
    index_paper(db, dialect, pid, words, pairs)


def _names(key: str, terms: set[str]) -> bool:
    """Does the count ``key`` of term_stats ("w:" word, "p:" words "|" joined) name any of ``terms``
    (hex)? A key of another form is taken to (dropped: counted again when asked)."""
    kind, _, body = key.partition(":")
    from digest.select.collection import term_hex

    if kind == "w":
        return term_hex(body) in terms
    if kind == "p" and "|" in body:
        norms, _, joined = body.rpartition("|")
        return any(term_hex(t) in terms for t in [*norms.split(" "), joined])
    return True


def _recount_acronyms(db, through: int) -> None:
    """The acronyms the indexed papers define, counted again from their texts."""
    from digest.select.acronyms import defined_in

    counts: Counter[tuple[str, str]] = Counter()
    last = 0
    sql = "SELECT id, title, abstract FROM papers WHERE id > ? AND id <= ? ORDER BY id LIMIT ?"
    while rows := db.execute(sql, (last, through, CHUNK)).fetchall():
        last = rows[-1][0]
        for acronym, found in defined_in(f"{t}\n{a}" for _, t, a in rows).items():
            for expansion, n in found.items():
                counts[acronym, " ".join(expansion)] += n
    db.execute("DELETE FROM acronyms")
    db.executemany(
        "INSERT INTO acronyms (acronym, expansion, n) VALUES (?,?,?)", [(*k, n) for k, n in counts.items()]
    )
