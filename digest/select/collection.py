"""Collection statistics kept in the database, incrementally: what the scores need to know
about the whole archive (how many papers, how many have a word, how many have a phrase),
so that a digest ranks only its window and a paper scores the same in any index.

The matcher's specificity of a word is an idf smoothed with the collection's own counts
(docs/scoring.md). Ranking a reader's window (the day's listing) with the window's counts
would make a paper's score depend on which other papers happen to be in the index; these
counts are the archive's, the very numbers a :class:`PaperIndex` of every stored paper
computes from its own postings (tests/select/test_collection.py checks that).

Kept in three tables (schema version 5):

- ``paper_terms``: an FTS5 index (document ids only) of the words and the joined two-word
  spellings ("event-driven" as "eventdriven") of every paper, each word written as the hex
  of its normalized form, so that SQLite's tokenizer never splits or folds it;
- ``term_stats``: the document frequency of each word or phrase asked for so far, with the
  last paper it counts; a later run counts only the papers after it;
- ``collection_state``: the last paper indexed, and how many there are.

:meth:`CollectionStats.refresh` indexes the papers stored since the last call (the daemon
calls it after each ingest; everything that ranks a window calls it before ranking).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from digest.db import POSTGRESQL, db_errors, shown
from digest.dbfaults import takes_no_writes, unindexed_read_only, unwritable
from digest.errors import StoreError, StoreUnusable
from digest.files import counted
from digest.pggrants import tables_schema
from digest.progress import Progress
from digest.select.acronyms import defined_in
from digest.select.evidence import evidence_in
from digest.select.gcpause import long_lived
from digest.select.postings import Postings, Term
from digest.select.text import join_pair, tokenize
from digest.store import Store

log = logging.getLogger(__name__)

CHUNK = 500  # papers indexed per transaction


def term_hex(norm: str) -> str:
    """A word norm (or joined pair) as the index stores it: its UTF-8 in hex."""
    return norm.encode("utf-8").hex()


def _quoted(norm: str) -> str:
    return f'"{term_hex(norm)}"'


def paper_terms(title: str, abstract: str) -> tuple[set[str], set[str]]:
    """(the paper's word norms, its joined two-word spellings), as the matcher's postings see them."""
    words: set[str] = set()
    pairs: set[str] = set()
    for text in (title, abstract):
        prev = None
        for tok in tokenize(text):
            words.add(tok.norm)
            if tok.joined and prev is not None:
                pairs.add(join_pair(prev.surface, tok.surface))
            prev = tok
    return words, pairs


def index_paper(db, dialect: str, pid: int, words: set[str], pairs: set[str]) -> None:
    """Write paper ``pid``'s entry in the word index (``paper_terms``): its word norms and joined
    two-word spellings (:func:`paper_terms`)."""
    if dialect == POSTGRESQL:  # one tsvector of both (FTS5 matched either column)
        terms = sorted({*map(term_hex, words), *map(term_hex, pairs)})
        db.execute(
            "INSERT INTO paper_terms (paper_id, terms) VALUES (?, array_to_tsvector(?::text[]))",
            (pid, terms),
        )
    else:
        db.execute(
            "INSERT INTO paper_terms (rowid, words, pairs) VALUES (?,?,?)",
            (pid, " ".join(map(term_hex, words)), " ".join(map(term_hex, pairs))),
        )


def unindexed_unwritable(path: Path, error: StoreError) -> StoreUnusable:
    """What an SQLite database this account may not write (digest.dbfaults.unwritable: whose, its
    mode, its disk) means with papers stored since it was last indexed: they must be indexed
    (written) before any ranking, by an account that may write, or this one let write it."""
    why, fix = unwritable(path)
    cause = error.__cause__ or error  # SQLite's own words (explain's error is raised from them)
    return StoreUnusable(
        f"{path}: {why}, and the papers stored since it was last indexed must be indexed (written) before "
        "anything is ranked; index them through an account that may write (the daemon's next pass, or "
        f"`digest status`, `digest send` or this command run so), then run this again; to let this account "
        f"write it instead: {fix} ({cause})"
    )


class CollectionStats:
    """The archive's counts for the matcher's specificity, read from (and kept in) the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self._df: dict[str, int] = {}
        self._pending: dict[str, tuple[int, int]] = {}  # key -> (df, through), to be written
        self.through, self.n = self._state()

    def _state(self) -> tuple[int, int]:
        row = self.db.execute("SELECT through, papers FROM collection_state WHERE id = 1").fetchone()
        return (row[0], row[1]) if row else (0, 0)

    # -- keeping up with the store -------------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> int:
        """Index the papers stored since the last refresh; returns how many. ``progress`` is
        told of the papers indexed (worth it for a whole archive: `digest db migrate`). A
        PostgreSQL role that may only read, with papers to index: StoreUnusable, saying what to do."""
        try:
            added = self._index(progress)
        except db_errors() as e:  # a role that may only read (on SQLite, a read-only file: below)
            if self.store.dialect == POSTGRESQL and (
                clear := unindexed_read_only(
                    e, shown(self.store.path), self.db.raw.info.user, tables_schema(self.db)
                )
            ):
                raise clear from e
            raise
        except StoreError as e:  # SQLite's write refused, explained (digest.dbfaults.explain)
            if self.store.dialect == POSTGRESQL or not takes_no_writes(self.store.path):
                raise  # (a read-only open of a database this account may write: the caller writes it)
            raise unindexed_unwritable(Path(self.store.path), e) from e
        if added:
            log.info("collection statistics: %s indexed", counted(added, "new paper"))
        self.through, self.n = self._state()
        return added

    def _index(self, progress: Progress | None) -> int:
        """:meth:`refresh`'s work: the papers stored since indexed, a chunk a transaction."""
        added = 0
        if progress is not None:
            (waiting,) = self.db.execute(
                "SELECT COUNT(*) FROM papers WHERE id > ?", (self._state()[0],)
            ).fetchone()
            progress.start("indexing", waiting)
        while self._behind():  # asked first without a write lock: a read-only look needs none
            with self.store.transaction() as db:
                self.store.serialize("collection")  # one worker indexes a paper, once
                through, n = self._state()
                rows = db.execute(
                    "SELECT id, title, abstract FROM papers WHERE id > ? ORDER BY id LIMIT ?",
                    (through, CHUNK),
                ).fetchall()
                if not rows:
                    break
                with long_lived():  # their tokens stay cached (text.tokenize) for the ranking
                    for pid, title, abstract in rows:
                        words, pairs = paper_terms(title, abstract)
                        index_paper(db, self.store.dialect, pid, words, pairs)
                defined = defined_in(f"{title}\n{abstract}" for _, title, abstract in rows)
                db.executemany(
                    "INSERT INTO acronyms (acronym, expansion, n) VALUES (?,?,?) "
                    "ON CONFLICT(acronym, expansion) DO UPDATE SET n = acronyms.n + excluded.n",
                    [(a, " ".join(e), n) for a, found in defined.items() for e, n in found.items()],
                )
                db.execute(
                    "INSERT INTO collection_state (id, through, papers) VALUES (1, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET through = excluded.through, papers = excluded.papers",
                    (rows[-1][0], n + len(rows)),
                )
                added += len(rows)
            if progress is not None:
                progress.advance(len(rows))
        if progress is not None:
            progress.finish()
        return added

    def _behind(self) -> bool:
        """Are papers stored that the statistics do not count yet?"""
        through = self._state()[0]
        return self.db.execute("SELECT 1 FROM papers WHERE id > ? LIMIT 1", (through,)).fetchone() is not None

    # -- the counts ----------------------------------------------------------------------

    def defined(self) -> dict[str, Counter[tuple[str, ...]]]:
        """The acronyms the stored papers define (what :func:`defined_in` finds in all of them)."""
        found: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        for acronym, expansion, n in self.db.execute("SELECT acronym, expansion, n FROM acronyms"):
            found[acronym][tuple(expansion.split(" "))] = n
        return found

    def df(self, norm: str) -> int:
        """How many stored papers have the word (or its joined two-word spelling)."""
        key = "w:" + norm
        if key not in self._df:
            self._df[key] = self._count(key, _quoted(norm), None)
        return self._df[key]

    def phrase_df(self, terms: Sequence[Term], joined: str) -> int:
        """How many stored papers have the phrase itself (in any of its spellings)."""
        key = "p:" + " ".join(t.norm for t in terms) + "|" + joined
        if key not in self._df:
            every = " AND ".join(_quoted(t.norm) for t in terms)
            self._df[key] = self._count(key, f"({every}) OR {_quoted(joined)}", (tuple(terms), joined))
        return self._df[key]

    def _count(self, key: str, query: str, phrase: tuple[tuple[Term, ...], str] | None) -> int:
        row = self.db.execute("SELECT df, through FROM term_stats WHERE key = ?", (key,)).fetchone()
        df, start = (row[0], row[1]) if row else (0, 0)
        if start >= self.through:
            return df
        ids = self._matching(query, start)
        df += len(ids) if phrase is None else self._with_phrase(ids, *phrase)
        self._pending[key] = (df, self.through)
        return df

    def _matching(self, query: str, start: int) -> list[int]:
        """The papers after ``start`` (through the last indexed) that match an FTS5 ``query``
        of quoted hex terms, AND and OR (on PostgreSQL, the same query as a tsquery)."""
        if self.store.dialect == POSTGRESQL:
            tsquery = query.replace('"', "'").replace(" AND ", " & ").replace(" OR ", " | ")
            sql = (
                "SELECT paper_id FROM paper_terms WHERE terms @@ ?::tsquery "
                "AND paper_id > ? AND paper_id <= ? ORDER BY paper_id"
            )
            return [r[0] for r in self.db.execute(sql, (tsquery, start, self.through))]
        sql = "SELECT rowid FROM paper_terms WHERE paper_terms MATCH ? AND rowid > ? AND rowid <= ?"
        return [r[0] for r in self.db.execute(sql, (query, start, self.through))]

    def _with_phrase(self, ids: list[int], terms: tuple[Term, ...], joined: str) -> int:
        """How many of these papers have the phrase itself (as the matcher decides it)."""
        found = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            texts = self.db.execute(
                f"SELECT title, abstract FROM papers WHERE id IN ({marks}) ORDER BY id", chunk
            ).fetchall()
            postings = Postings([(t, a) for t, a in texts])
            found += sum(
                1
                for fields in evidence_in(postings, terms, joined, range(len(texts)))
                if fields[0].exact or fields[1].exact
            )
        return found

    def save(self) -> None:
        """Keep the counts computed since the last save (one transaction); a read-only look at
        the database keeps them for itself, as does a PostgreSQL role that may only read."""
        if not self._pending or self.store.readonly or not self._may_write():
            return
        with self.store.transaction() as db:
            db.executemany(
                "INSERT INTO term_stats (key, df, through) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE "
                "SET df = excluded.df, through = excluded.through "
                "WHERE excluded.through > term_stats.through",
                [(key, df, through) for key, (df, through) in self._pending.items()],
            )
        self._pending.clear()

    def _may_write(self) -> bool:
        """May this connection keep the counts? (PostgreSQL: its role's privileges; a refused
        write, asked instead, would say so as an error.)"""
        if self.store.dialect != POSTGRESQL:
            return True
        may = "has_table_privilege('term_stats', 'INSERT') AND has_table_privilege('term_stats', 'UPDATE')"
        return bool(self.db.execute(f"SELECT {may}").fetchone()[0])
