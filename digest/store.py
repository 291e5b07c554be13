"""The database (SQLite, or PostgreSQL through digest.db): papers, the listings they appeared in,
and what each reader was sent. The schema carries a version (``PRAGMA user_version``);
``MIGRATIONS[n]`` (digest/schema.py) takes a database from version n to n + 1, so later releases
can migrate existing files in place."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.db import (
    CONFLICT_TRIES,
    POSTGRESQL,
    SQLITE,
    connect_postgres,
    db_errors,
    is_postgres,
    lock_key,
    retrying_conflicts,
    shown,
)
from digest.db_bounded import BoundedSqlite, connect_within
from digest.dbfaults import explain, open_readonly
from digest.dbfolder import check_folder
from digest.errors import StoreError, StoreUnusable
from digest.fetched_names import fetched_source, safe
from digest.files import made_as_umask_gives
from digest.models import Listing, Paper
from digest.pgrefusals import refusal
from digest.schema import SCHEMA_VERSION, run_migration, sql_statements
from digest.schema_pg import migrate_postgres, pg_version
from digest.schema_text import newer_schema, older_schema_read_only
from digest.sqlite_needed import fts5_missing, sqlite_too_old
from digest.store_carried import CarriedPapers
from digest.store_chunks import in_chunks
from digest.store_embeddings import PaperEmbeddings
from digest.store_papers import other_abstract, title_key, upsert_paper
from digest.store_ratings import Rating, ReaderRatings
from digest.store_readers import FAILED, QUEUED, RECENT_DELIVERIES, SENT, Delivery, iso
from digest.store_sources import UNLISTED, ListingSources

log = logging.getLogger(__name__)

__all__ = [
    "CONFLICT_TRIES", "FAILED", "QUEUED", "SENT", "Delivery", "IngestResult", "Rating", "Store", "iso",
    "sql_statements", "title_key",
]  # fmt: skip


@dataclass(frozen=True)
class IngestResult:
    source: Path
    day: dt.date
    already_ingested: bool
    entries: int
    new_papers: int
    known_papers: int
    other_abstracts: int = 0  # known papers this listing gives another abstract than the one kept
    unlinked: tuple[str, ...] = ()  # its kept items' links left out, with why (left_out.unlinked_in_dump)


class Store(CarriedPapers, ReaderRatings, PaperEmbeddings, ListingSources):
    def __init__(
        self,
        path: Path | str,
        *,
        timeout: float = 30.0,
        readonly: bool = False,
        as_found: bool = False,
        claimed: bool = True,
    ) -> None:
        """Open (creating and migrating) the database; ``readonly``: only read it, as on a read-only disk.
        ``as_found``: a PostgreSQL one never migrated either (an older schema refused, as SQLite's
        read-only open refuses it; an empty one left without tables: schema_version 0), and made
        within ``timeout`` in all, however many addresses are tried, its statements' waits for a lock
        held elsewhere too, SQLite's as well (digest.db_bounded), for a read that only adds to what a
        command says. ``claimed``: False for one no claim or mark is made in (`digest db migrate`'s
        source, read and copied): an SQLite older than 3.35 opens it, so it can be moved to PostgreSQL.

        ``path``: an SQLite file, or a ``postgresql://`` URL (digest.db)."""
        self.dialect = POSTGRESQL if is_postgres(path) else SQLITE
        self.path = path if self.dialect == POSTGRESQL else Path(path)
        self.readonly = readonly
        self.as_found = as_found  # never migrated: an older schema refused as "this look-up"'s
        self.upgraded_from: int | None = None  # the schema version this open migrated from, if it did
        if self.dialect == POSTGRESQL:
            self._open_postgres(str(path), timeout)
            return
        if claimed and (
            said := sqlite_too_old()
        ):  # before a claim's RETURNING is a syntax error (digest.sqlite_needed)
            raise StoreUnusable(said)
        if said := fts5_missing():  # before its migration, or a command, meets "no such module: fts5"
            raise StoreUnusable(said)
        check_folder(self.path)
        try:
            if readonly and not self.path.exists():  # nothing stored yet: an empty database to read
                self.readonly = False
                self.db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            elif readonly:
                self.db = open_readonly(self.path, timeout, BoundedSqlite if as_found else sqlite3.Connection)
            else:
                if str(path) != ":memory:":
                    made_as_umask_gives(self.path)
                # shared by the delivery's threads, which take turns (digest.deliver.delivery)
                self.db = sqlite3.connect(
                    str(path), isolation_level=None, timeout=timeout, check_same_thread=False
                )
                self.db.execute("PRAGMA foreign_keys = ON")
                if str(path) != ":memory:":
                    # WAL with synchronous=NORMAL: a commit is safe against a killed process
                    # (what the outbox's at-most-one-repeat guarantee needs) without waiting for
                    # the disk; a power loss may lose the last commits (see the README).
                    self.db.execute("PRAGMA journal_mode = WAL")
                    self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except (OSError, sqlite3.Error) as e:
            if hasattr(self, "db"):  # not left open, its files held, for as long as the error lives
                self.db.close()
            clear = explain(e, self.path) if isinstance(e, sqlite3.Error) else None
            raise clear or StoreError(f"{self.path}: cannot open the database: {e}") from None

    def _open_postgres(self, url: str, timeout: float) -> None:
        try:  # as_found: a read that only adds, its timeout the whole wait (not each address's)
            self.db = connect_within(url, timeout) if self.as_found else connect_postgres(url, timeout)
        except db_errors() as e:  # psycopg's: imported by the connection
            raise refusal(url, e, timeout) from None
        try:
            if self.as_found and (version := pg_version(self.db)) < SCHEMA_VERSION:
                if version:
                    raise older_schema_read_only(shown(url), version, "this look-up")
                return
            if pg_version(self.db) != SCHEMA_VERSION:  # one transaction: all or nothing (asked again,
                # under a lock: another process may have migrated it meanwhile, then this one did not)
                self.upgraded_from = migrate_postgres(self.db, shown(url))
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on any exception."""
        if self.dialect == POSTGRESQL:
            with self.db.transaction() as db:
                yield db
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise explain(e, self.path) or e from e
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as e:
            # SQLite may have rolled back already (a full disk does): a second ROLLBACK would
            # hide the real error behind "cannot rollback - no transaction is active".
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error as again:
                    log.error("%s: rollback failed: %s", self.path, again)
            if isinstance(e, sqlite3.Error) and (clear := explain(e, self.path)):
                raise clear from e
            raise

    def serialize(self, name: str) -> None:
        """Inside a transaction: wait for any other one that serialized on ``name`` to end (on
        PostgreSQL, an advisory transaction lock; SQLite's BEGIN IMMEDIATE already did)."""
        if self.dialect == POSTGRESQL:
            self.db.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if self.readonly and version < SCHEMA_VERSION:
            raise older_schema_read_only(
                self.path, version, "this look-up" if self.as_found else "this command"
            )
        if version > SCHEMA_VERSION:
            raise newer_schema(self.path, version)
        ran: list[int] = []  # the steps this open ran (not another process's, while it waited)
        for v in range(version, SCHEMA_VERSION):
            with self.transaction() as db:
                # asked again under the write lock: another process opening the file at the same
                # time may have taken it past v while this one waited (a migration runs once)
                if db.execute("PRAGMA user_version").fetchone()[0] > v:
                    continue
                run_migration(db, v, SQLITE)
                db.execute(f"PRAGMA user_version = {v + 1}")
                ran.append(v)
        if ran:  # one line, not one per step (a new database takes them all)
            version = self.upgraded_from = ran[0]
            what = (
                "created at schema version" if version == 0 else f"migrated from schema version {version} to"
            )
            log.info("database %s %s %d", self.path, what, SCHEMA_VERSION)

    @property
    def schema_version(self) -> int:
        if self.dialect == POSTGRESQL:
            return pg_version(self.db)
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # -- listings and papers -------------------------------------------------------------

    def add_listing(self, listing: Listing, now: dt.datetime) -> IngestResult:
        """Store a listing and its papers in one transaction; a listing seen before adds nothing,
        nor does one with no papers (a weekend feed). A paper is found by its arXiv id, else by its
        normalized title, and gains what this listing knows that the store did not. A transaction
        PostgreSQL ends to undo a deadlock (a merge meeting a delivery or a rating of the paper it
        merges) is tried again after a short pause, up to :data:`CONFLICT_TRIES` times in all
        (digest.db.retrying_conflicts).

        Listings are stored one at a time (:meth:`serialize`: on PostgreSQL, the fetching worker's
        and the ingesting one's too, under two duties' locks): each reads a paper it adds to and
        writes it back whole (digest.store_papers), so two at once wrote over each other's
        additions (an arXiv id, upvotes, a completed abstract lost)."""
        if not listing.entries:
            return IngestResult(listing.source, listing.day, False, 0, 0, 0)
        return retrying_conflicts(
            lambda: self._add_listing(listing, iso(now)), str(listing.source), "storing it again"
        )

    def _add_listing(self, listing: Listing, stamp: str) -> IngestResult:
        with self.transaction() as db:
            self.serialize("listings")
            fetched = "INSERT INTO listing_fetches (listing_id, source, fetched_at) VALUES (?,?,?)"
            if known := db.execute("SELECT id FROM listings WHERE sha256 = ?", (listing.sha256,)).fetchone():
                had = db.execute("SELECT source FROM listing_fetches WHERE listing_id = ?", known).fetchall()
                if fetched_source(str(listing.source)) not in {fetched_source(path) for (path,) in had}:
                    # the same bytes fetched by another source (a mirror, a source renamed in the
                    # config): its listing too, kept when either is taken out of the config
                    # (store_sources); listings.source stays the one whose fetch stored it
                    db.execute(fetched, (known[0], str(listing.source), stamp))
                return IngestResult(listing.source, listing.day, True, len(listing.entries), 0, 0)
            row = (listing.sha256, listing.day.isoformat(), str(listing.source), len(listing.entries))
            listing_id = db.execute(
                "INSERT INTO listings (sha256, day, source, entries, ingested_at, format) "
                "VALUES (?,?,?,?,?,?)",
                (*row, stamp, listing.format),
            ).lastrowid
            db.execute(fetched, (listing_id, str(listing.source), stamp))
            new = known = other = 0
            for position, entry in enumerate(listing.entries):
                paper_id, added = upsert_paper(db, entry, listing.day, stamp)
                new, known = new + added, known + (not added)
                other += not added and other_abstract(db, paper_id, entry, fetched_source(row[2]), listing_id)
                db.execute(
                    "INSERT OR IGNORE INTO listing_papers (listing_id, paper_id, position) VALUES (?,?,?)",
                    (listing_id, paper_id, position),
                )
        return IngestResult(listing.source, listing.day, False, len(listing.entries), new, known, other)

    def papers(
        self, ids: Iterable[int] | None = None, *, up_to: dt.date | None = None, since: dt.date | None = None
    ) -> list[Paper]:
        """Every paper (or those ``ids``); ``up_to``: only papers listed on or before that day;
        ``since``: only those whose latest listing is on or after it (listed in none: first seen)."""
        sql = f"SELECT {_PAPER} FROM papers"
        if since is not None:  # the ids along listings_day and papers_first_seen, then those papers
            listed = "SELECT lp.paper_id FROM listings l JOIN listing_papers lp ON lp.listing_id = l.id"
            unlisted = f"SELECT p.id FROM papers p WHERE p.first_seen >= ? AND {UNLISTED}"
            found = self.db.execute(f"{listed} WHERE l.day >= ? UNION {unlisted}", (since.isoformat(),) * 2)
            ids = [r[0] for r in found.fetchall()]  # (in one query PostgreSQL hashed every paper to join)
        elif up_to is not None:
            rows = self.db.execute(sql + " WHERE first_seen <= ? ORDER BY id", (up_to.isoformat(),))
            return [_paper(r) for r in rows.fetchall()]
        if ids is None:
            return [_paper(r) for r in self.db.execute(sql + " ORDER BY id").fetchall()]
        papers, ids = [], sorted(set(ids))
        for chunk, marks in in_chunks(ids):  # each chunk along the primary key
            rows = self.db.execute(sql + f" WHERE id IN ({marks}) ORDER BY id", chunk)
            papers += [_paper(r) for r in rows.fetchall()]
        return papers

    def version(self) -> str:
        """Changes whenever papers, listings, deliveries or the outbox change: for live previews. The
        newest ids, not counts (of every paper, at each poll): papers are only added or merged away
        with a new listing, papers sent with a new delivery; listings and deliveries are never
        removed. The outbox is counted, and the newest deliveries (store_readers.RECENT_DELIVERIES)."""
        row = self.db.execute(
            "SELECT (SELECT MAX(id) FROM papers), (SELECT MAX(ingested_at) FROM listings), (SELECT "
            "MAX(id) FROM listings), (SELECT MAX(id) FROM deliveries), (SELECT COUNT(*) FROM deliveries "
            f"WHERE id > (SELECT COALESCE(MAX(id), 0) FROM deliveries) - {RECENT_DELIVERIES}), "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM outbox)"
        ).fetchone()
        return "|".join(str(v) for v in row)

    def counts(self) -> dict[str, int]:
        """The papers and listings stored (`digest ingest`'s last line)."""
        listings = self.db.execute("SELECT COUNT(*) FROM listings").fetchone()[0]
        return {"papers": self.paper_count(), "listings": listings}

    def paper_count(self) -> int:
        """The papers stored (`digest status`; every paper read: said only where it is needed)."""
        return self.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0]

    def papers_after(self, paper_id: int, through: int | None = None) -> list[Paper]:
        """Papers stored after paper ``paper_id`` (and up to ``through``), oldest first."""
        rows = self.db.execute(
            f"SELECT {_PAPER} FROM papers WHERE id > ? AND id <= ? ORDER BY id",
            (paper_id, through if through is not None else 2**62),
        ).fetchall()
        return [_paper(r) for r in rows]

    def merged_after(self, paper_id: int, through: int, up_to: dt.date) -> dict[int, int]:
        """The papers stored after paper ``paper_id`` (up to ``through``, first listed on or before
        ``up_to``) that were merged into another since (digest.store_papers.merge_paper): the
        paper each is now -> its own id (of them, the first)."""
        rows = self.db.execute(
            "SELECT m.paper_id, m.old_id FROM paper_merges m JOIN listings l ON l.id = m.listing_id "
            "WHERE m.old_id > ? AND m.old_id <= ? AND l.day <= ? ORDER BY m.old_id DESC",
            (paper_id, through, up_to.isoformat()),
        ).fetchall()
        return {int(now): int(then) for now, then in rows}

    def latest_listing_papers(
        self,
        up_to: dt.date | None = None,
        ingested_by: dt.datetime | None = None,
        within_days: int = 7,
        sources: Collection[str] | None = None,
        through: int | None = None,
    ) -> list[Paper]:
        """Papers of the latest listing of each source (its latest day, on or before ``up_to``,
        among those ingested by ``ingested_by``; of those, the last ingested): a fetched source's
        own (hf_daily's of yesterday beside arXiv's of today), the dumps dropped in the inbox one
        source. A source whose latest is more than ``within_days`` older than the newest is left out.
        ``sources``: the names of the sources fetched now (the config's); another fetched source's
        listings (a source removed from the config) are left out, the inbox's dumps kept.
        ``through``: the newest paper when the digest made by ``ingested_by`` was chosen: a listing
        holding a paper after it was stored after that digest, even when its time says the same
        second (the store's times are to the second), and is left out."""
        kept = None if sources is None else {"", *(safe(s) for s in sources)}
        latest: dict[str, int] = {}
        oldest = None
        for listing, path, day in self.listings_newest_first(up_to, ingested_by):  # up to the week kept
            source = fetched_source(path)
            if kept is not None and source not in kept:
                continue
            if through is not None and self._holds_after(listing, through):
                continue
            oldest = oldest or (dt.date.fromisoformat(day) - dt.timedelta(days=within_days)).isoformat()
            if day < oldest:
                break
            latest.setdefault(source, listing)
        if not latest:
            return []
        marks = ",".join("?" * len(latest))
        rows = self.db.execute(
            f"SELECT DISTINCT {_PAPER_P} FROM papers p JOIN listing_papers lp ON lp.paper_id = p.id "
            f"WHERE lp.listing_id IN ({marks}) ORDER BY p.id",
            list(latest.values()),
        ).fetchall()
        return [_paper(r) for r in rows]

    def _holds_after(self, listing: int, through: int) -> bool:
        """Whether listing ``listing`` holds a paper after paper ``through``."""
        row = self.db.execute(
            "SELECT 1 FROM listing_papers WHERE listing_id = ? AND paper_id > ? LIMIT 1", (listing, through)
        ).fetchone()
        return row is not None


_PAPER = "id, title, abstract, first_seen, arxiv_id, authors, categories, code_url, project_url, upvotes"
_PAPER_P = ", ".join(f"p.{c.strip()}" for c in _PAPER.split(","))


def _paper(row: tuple) -> Paper:
    return Paper(
        id=row[0],
        title=row[1],
        abstract=row[2],
        first_seen=dt.date.fromisoformat(row[3]),
        arxiv_id=row[4],
        authors=tuple(json.loads(row[5])),
        categories=tuple(json.loads(row[6])),
        code_url=row[7],
        project_url=row[8],
        upvotes=row[9],
    )
