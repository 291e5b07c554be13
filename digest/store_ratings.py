"""A reader's ratings of papers ("more like this", "less like this"): recorded, cleared, read.

A part of :class:`digest.store.Store` (its base class), kept apart from the reader's other
records (digest.store_readers) so that each module owns one thing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from digest.db import db_errors
from digest.errors import StoreError
from digest.row_waits import bound_the_wait, gave_up
from digest.store_readers import ReaderRecords, iso

# a rating's name (the command line's and the web page's) and the value the ratings table holds
RATING_VALUES: dict[str, int | None] = {"up": 1, "down": -1, "clear": None}
RATING_NAMES = {value: name for name, value in RATING_VALUES.items()}


@dataclass(frozen=True)
class Rating:
    """A reader's rating of a paper: 1 (more like this) or -1 (less like this), and when."""

    paper_id: int
    title: str
    rating: int
    rated_at: dt.datetime


class ReaderRatings(ReaderRecords):
    """The ``ratings`` table; the database connection and transactions are the Store's."""

    def rate(self, user: str, paper_id: int, rating: int | None, now: dt.datetime) -> int | None:
        """Record a reader's rating of a paper (1 up, -1 down), or clear it (None); returns
        the rating it had before (None: none), read in the same transaction. A paper merged
        into another while it was rated (an ingest's, on PostgreSQL) is rated as that one."""
        rated = self.current_paper_id(paper_id)
        try:
            return self._rate(user, rated, rating, now)
        except (StoreError, *db_errors()):  # the paper gone, or the new rating refused, by a merge:
            if self.current_paper_id(paper_id) == rated:
                raise
        return self._rate(user, self.current_paper_id(paper_id), rating, now)

    def _rate(self, user: str, paper_id: int, rating: int | None, now: dt.datetime) -> int | None:
        waited = 0
        try:
            with self.transaction() as db:
                waited = bound_the_wait(self)
                row = self._rated(db, user, paper_id, rating, now)
        except Exception as e:
            said = gave_up(
                self,
                e,
                f"{user}'s rating of paper {paper_id}",
                waited,
                "ratings",
                "user = ? AND paper_id = ?",
                (user, paper_id),
            )
            if said is None:
                raise
            raise said from None
        return None if row is None else int(row[0])

    def _rated(self, db: Any, user: str, paper_id: int, rating: int | None, now: dt.datetime) -> tuple | None:
        """The rating written (or cleared) in ``db``'s transaction; the row it had before."""
        self.check_paper(paper_id, user)
        row = db.execute(
            "SELECT rating FROM ratings WHERE user = ? AND paper_id = ?", (user, paper_id)
        ).fetchone()
        if rating is None:
            db.execute("DELETE FROM ratings WHERE user = ? AND paper_id = ?", (user, paper_id))
        else:
            db.execute(
                "INSERT INTO ratings (user, paper_id, rating, rated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user, paper_id) DO UPDATE SET rating = excluded.rating, "
                "rated_at = excluded.rated_at",
                (user, paper_id, rating, iso(now)),
            )
        return row

    def unstored_titles(self, titles: tuple[str, ...]) -> list[str]:
        """Those of ``titles`` (a profile's ``like:``) that no stored paper has, compared as the
        readers' models compare them (:meth:`liked_papers`), so that they count for nothing yet."""
        from digest.store_papers import title_key

        found = self.liked_papers(titles)
        return [title for title in titles if not found.get(title_key(title))]

    def liked_papers(self, titles: tuple[str, ...]) -> dict[str, list[int]]:
        """The stored papers of ``titles`` (a profile's ``like:``), by title_key: key -> paper ids,
        in one query along the papers' key index and paper_titles' (the readers' models learn from
        them whichever listing they came in, by the title a paper was first stored under or any it
        was listed under later: a new version's changed title). One of two papers of one title has
        the key with its arXiv id after it ("KEY arxiv ID"): a range of the index from "KEY arxiv "
        to "KEY arxiv \uffff", which holds it whatever order the database sorts text in: bytes
        (SQLite, PostgreSQL's "C") or an ICU collation (U+FFFF sorts last there: CLDR keeps it for
        such bounds), where one ignoring spaces and punctuation at first puts "KEY arxiv ID" after
        "KEY arxiv!". A later title's key is held to the same rules."""
        from digest.store_papers import title_key

        keys = sorted({title_key(t) for t in titles} - {""})
        if not keys:
            return {}

        def where(key: str) -> str:
            return " OR ".join(f"{key} = ? OR ({key} >= ? AND {key} < ?)" for _ in keys)

        args = [a for k in keys for a in (k, f"{k} arxiv ", f"{k} arxiv \uffff")]
        sql = (  # the paper's first title's key, then the keys of titles it was listed under later
            f"SELECT id, key, arxiv_id FROM papers WHERE {where('key')} UNION "
            "SELECT t.paper_id, t.key, p.arxiv_id FROM paper_titles t JOIN papers p ON p.id = t.paper_id "
            f"WHERE {where('t.key')}"
        )  # no ORDER BY: SQLite would read the whole papers table in id order for it (3+ titles)
        found: dict[str, list[int]] = {k: [] for k in keys}
        for pid, stored, arxiv_id in sorted(self.db.execute(sql, args + args).fetchall(), key=lambda r: r[0]):
            for k in keys:  # not another title going on with "arxiv" ("KEY: arXiv papers as data")
                if (stored == k or (arxiv_id and stored == f"{k} arxiv {arxiv_id}")) and pid not in found[k]:
                    found[k].append(pid)
        return found

    def has_preferences(self) -> bool:
        """Whether any reader has rated any paper."""
        return self.db.execute("SELECT 1 FROM ratings LIMIT 1").fetchone() is not None

    def ratings(self, user: str) -> dict[int, int]:
        """The reader's ratings: paper id -> 1 (more like this) or -1 (less like this)."""
        rows = self.db.execute("SELECT paper_id, rating FROM ratings WHERE user = ?", (user,))
        return dict(rows.fetchall())

    def ratings_version(self, user: str) -> str:
        """Changes whenever the reader's ratings do, which change their ranking at once: the live
        preview's version, with Store.version (GET /u/<token>/version). The reader's rows alone,
        along the primary key (user, paper_id)."""
        rows = self.db.execute(
            "SELECT paper_id, rating FROM ratings WHERE user = ? ORDER BY paper_id", (user,)
        )
        return hashlib.sha256(repr(rows.fetchall()).encode()).hexdigest()[:16]

    def rated_papers(self, user: str) -> list[Rating]:
        """The reader's ratings with the papers' titles, the latest first."""
        rows = self.db.execute(
            "SELECT r.paper_id, p.title, r.rating, r.rated_at FROM ratings r "
            "JOIN papers p ON p.id = r.paper_id WHERE r.user = ? ORDER BY r.rated_at DESC, r.paper_id DESC",
            (user,),
        )
        return [Rating(pid, title, rating, dt.datetime.fromisoformat(at)) for pid, title, rating, at in rows]
