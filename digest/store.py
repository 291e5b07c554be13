"""The database (SQLite): papers, the listings they appeared in, and what each reader was sent.

The schema carries a version (``PRAGMA user_version``); ``MIGRATIONS[n]`` takes a database
from version n to n + 1, so later releases can migrate existing files in place.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.errors import StoreError
from digest.models import Listing, Paper

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema
    """
    CREATE TABLE papers (
        id          INTEGER PRIMARY KEY,
        key         TEXT NOT NULL UNIQUE,      -- normalized title
        title       TEXT NOT NULL,
        abstract    TEXT NOT NULL,
        first_seen  TEXT NOT NULL,             -- day of the first listing (ISO date)
        added_at    TEXT NOT NULL              -- when it reached the store (UTC, ISO)
    );
    CREATE TABLE listings (
        id          INTEGER PRIMARY KEY,
        sha256      TEXT NOT NULL UNIQUE,
        day         TEXT NOT NULL,
        source      TEXT NOT NULL,
        entries     INTEGER NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE listing_papers (
        listing_id  INTEGER NOT NULL REFERENCES listings(id),
        paper_id    INTEGER NOT NULL REFERENCES papers(id),
        position    INTEGER NOT NULL,
        PRIMARY KEY (listing_id, paper_id)
    );
    CREATE INDEX listing_papers_paper ON listing_papers(paper_id);
    CREATE TABLE deliveries (
        id          INTEGER PRIMARY KEY,
        user        TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        papers      INTEGER NOT NULL,
        sent_at     TEXT NOT NULL
    );
    CREATE INDEX deliveries_user ON deliveries(user, sent_at);
    CREATE TABLE sent_papers (
        user        TEXT NOT NULL,
        paper_id    INTEGER NOT NULL REFERENCES papers(id),
        delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
        PRIMARY KEY (user, paper_id)
    );
    """,
    # 1 -> 2: the outbox (a message is stored before any attempt), attempts, schedule state
    """
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY,
        message_id      TEXT NOT NULL UNIQUE,
        user            TEXT NOT NULL,
        recipient       TEXT NOT NULL,
        period          TEXT,                  -- the schedule period it is for; NULL if sent by hand
        subject         TEXT NOT NULL,
        mime            BLOB NOT NULL,         -- the exact bytes handed to the server
        paper_ids       TEXT NOT NULL,         -- JSON array
        status          TEXT NOT NULL,         -- queued | sending | sent | failed
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        sent_at         TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    CREATE INDEX outbox_user ON outbox(user, status);
    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY,
        outbox_id   INTEGER NOT NULL REFERENCES outbox(id),
        at          TEXT NOT NULL,
        ok          INTEGER NOT NULL,
        reply       TEXT NOT NULL
    );
    CREATE TABLE schedule_state (
        user        TEXT PRIMARY KEY,
        last_period TEXT NOT NULL,             -- the last period a digest was made for
        last_run_at TEXT NOT NULL
    );
    """,
    # 2 -> 3: paper embeddings for semantic matching, computed once per model
    """
    CREATE TABLE embeddings (
        paper_id    INTEGER NOT NULL REFERENCES papers(id),
        model       TEXT NOT NULL,
        dims        INTEGER NOT NULL,
        vector      BLOB NOT NULL,             -- float32, little-endian, unit length
        PRIMARY KEY (paper_id, model)
    );
    """,
    # 3 -> 4: a message's bytes in a table of their own: recording a result rewrites a small
    # row, not 40 KB, and retention drops the bytes by deleting rows (outbox.mime stays empty)
    """
    CREATE TABLE outbox_mime (
        outbox_id   INTEGER PRIMARY KEY REFERENCES outbox(id),
        mime        BLOB NOT NULL              -- the exact bytes handed to the server
    );
    INSERT INTO outbox_mime (outbox_id, mime) SELECT id, mime FROM outbox WHERE length(mime) > 0;
    UPDATE outbox SET mime = X'' WHERE length(mime) > 0;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# An outbox message's status: waiting (or retrying), accepted by the server, refused for good.
QUEUED, SENT, FAILED = "queued", "sent", "failed"


def title_key(title: str) -> str:
    """Normalize a title for deduplication: Unicode form, case, punctuation and whitespace."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


@dataclass(frozen=True)
class IngestResult:
    source: Path
    day: dt.date
    already_ingested: bool
    entries: int
    new_papers: int
    known_papers: int


@dataclass(frozen=True)
class Delivery:
    user: str
    message_id: str
    recipient: str
    papers: int
    sent_at: dt.datetime


class Store:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
            self.db.execute("PRAGMA foreign_keys = ON")
            if str(path) != ":memory:":
                # WAL with synchronous=NORMAL: a commit is safe against a killed process (what
                # the outbox's at-most-one-repeat guarantee needs) without waiting for the disk;
                # a power loss may lose the last commits (see the README).
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open the database: {e}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: the database has schema version {version}, newer than this "
                f"digest understands ({SCHEMA_VERSION}); upgrade digest"
            )
        for v in range(version, SCHEMA_VERSION):
            with self.transaction() as db:
                for statement in _statements(MIGRATIONS[v]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {v + 1}")
            log.info("database %s migrated to schema version %d", self.path, v + 1)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # -- listings and papers -------------------------------------------------------------

    def add_listing(self, listing: Listing, now: dt.datetime) -> IngestResult:
        """Store a listing and its papers in one transaction; a listing seen before adds nothing."""
        stamp = iso(now)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM listings WHERE sha256 = ?", (listing.sha256,)).fetchone():
                return IngestResult(listing.source, listing.day, True, len(listing.entries), 0, 0)
            listing_id = db.execute(
                "INSERT INTO listings (sha256, day, source, entries, ingested_at) VALUES (?,?,?,?,?)",
                (listing.sha256, listing.day.isoformat(), str(listing.source), len(listing.entries), stamp),
            ).lastrowid
            new = known = 0
            for position, entry in enumerate(listing.entries):
                key = title_key(entry.title)
                row = db.execute("SELECT id, first_seen FROM papers WHERE key = ?", (key,)).fetchone()
                if row is None:
                    paper_id = db.execute(
                        "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?,?,?,?,?)",
                        (key, entry.title, entry.abstract, listing.day.isoformat(), stamp),
                    ).lastrowid
                    new += 1
                else:
                    paper_id = row[0]
                    if listing.day.isoformat() < row[1]:  # an older listing arrived late
                        db.execute(
                            "UPDATE papers SET first_seen = ? WHERE id = ?",
                            (listing.day.isoformat(), paper_id),
                        )
                    known += 1
                db.execute(
                    "INSERT OR IGNORE INTO listing_papers (listing_id, paper_id, position) VALUES (?,?,?)",
                    (listing_id, paper_id, position),
                )
        return IngestResult(listing.source, listing.day, False, len(listing.entries), new, known)

    def papers(self, ids: Iterable[int] | None = None, *, up_to: dt.date | None = None) -> list[Paper]:
        """Every paper (or those ``ids``); ``up_to``: only papers listed on or before that day."""
        sql = "SELECT id, title, abstract, first_seen FROM papers"
        if up_to is not None:
            rows = self.db.execute(sql + " WHERE first_seen <= ? ORDER BY id", (up_to.isoformat(),))
            return [_paper(r) for r in rows.fetchall()]
        if ids is None:
            rows = self.db.execute(sql + " ORDER BY id").fetchall()
        else:
            ids = list(ids)
            marks = ",".join("?" * len(ids))
            rows = self.db.execute(sql + f" WHERE id IN ({marks}) ORDER BY id", ids).fetchall()
        return [_paper(r) for r in rows]

    def latest_day(self, paper_ids: Iterable[int], up_to: dt.date | None = None) -> dt.date | None:
        ids = list(paper_ids)
        if not ids:
            return None
        marks = ",".join("?" * len(ids))
        row = self.db.execute(
            "SELECT MAX(l.day) FROM listings l JOIN listing_papers lp ON lp.listing_id = l.id "
            f"WHERE lp.paper_id IN ({marks}) AND l.day <= ?",
            [*ids, (up_to or dt.date.max).isoformat()],
        ).fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def version(self) -> str:
        """Changes whenever papers, listings, deliveries or the outbox change: for live previews."""
        row = self.db.execute(
            "SELECT (SELECT COUNT(*) FROM papers), (SELECT MAX(ingested_at) FROM listings), "
            "(SELECT COUNT(*) FROM listings), (SELECT COUNT(*) FROM sent_papers), "
            "(SELECT COUNT(*) || ':' || COALESCE(MAX(id), 0) FROM outbox)"
        ).fetchone()
        return "|".join(str(v) for v in row)

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "papers": one("SELECT COUNT(*) FROM papers").fetchone()[0],
            "listings": one("SELECT COUNT(*) FROM listings").fetchone()[0],
            "entries": one("SELECT COALESCE(SUM(entries), 0) FROM listings").fetchone()[0],
            "deliveries": one("SELECT COUNT(*) FROM deliveries").fetchone()[0],
        }

    def papers_listed_since(self, moment: dt.datetime) -> list[Paper]:
        """Papers in any listing ingested after ``moment`` (new papers and ones listed again)."""
        rows = self.db.execute(
            "SELECT DISTINCT p.id, p.title, p.abstract, p.first_seen FROM papers p "
            "JOIN listing_papers lp ON lp.paper_id = p.id JOIN listings l ON l.id = lp.listing_id "
            "WHERE l.ingested_at > ? ORDER BY p.id",
            (iso(moment),),
        ).fetchall()
        return [_paper(r) for r in rows]

    def latest_listing_papers(self) -> list[Paper]:
        """Papers of the latest listing (the latest day; of those, the last ingested)."""
        row = self.db.execute("SELECT id FROM listings ORDER BY day DESC, id DESC LIMIT 1").fetchone()
        if row is None:
            return []
        rows = self.db.execute(
            "SELECT p.id, p.title, p.abstract, p.first_seen FROM papers p "
            "JOIN listing_papers lp ON lp.paper_id = p.id WHERE lp.listing_id = ? ORDER BY p.id",
            (row[0],),
        ).fetchall()
        return [_paper(r) for r in rows]

    def last_ingest(self) -> tuple[str, dt.date, dt.datetime] | None:
        row = self.db.execute(
            "SELECT source, day, ingested_at FROM listings ORDER BY ingested_at DESC, id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return row[0], dt.date.fromisoformat(row[1]), dt.datetime.fromisoformat(row[2])

    # -- embeddings ----------------------------------------------------------------------

    def embeddings(self, model: str, ids: Iterable[int]) -> dict[int, bytes]:
        """Stored embeddings (raw float32 bytes) of these papers for ``model``."""
        wanted = set(ids)
        rows = self.db.execute("SELECT paper_id, vector FROM embeddings WHERE model = ?", (model,))
        return {pid: bytes(vec) for pid, vec in rows if pid in wanted}

    def save_embeddings(self, model: str, vectors: dict[int, tuple[int, bytes]]) -> None:
        """Keep embeddings ``{paper_id: (dims, float32 bytes)}``; one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings (paper_id, model, dims, vector) VALUES (?,?,?,?)",
                [(pid, model, dims, blob) for pid, (dims, blob) in vectors.items()],
            )

    # -- schedule ------------------------------------------------------------------------

    def schedule_state(self, user: str) -> tuple[str, dt.datetime] | None:
        """(last period a digest was made for, when) or None for a reader never scheduled."""
        row = self.db.execute(
            "SELECT last_period, last_run_at FROM schedule_state WHERE user = ?", (user,)
        ).fetchone()
        return (row[0], dt.datetime.fromisoformat(row[1])) if row else None

    def set_schedule_state(self, user: str, period: str, now: dt.datetime) -> None:
        """Record that ``period`` is done; call inside the transaction that queues its digest."""
        self.db.execute(
            "INSERT INTO schedule_state (user, last_period, last_run_at) VALUES (?,?,?) "
            "ON CONFLICT(user) DO UPDATE SET last_period = excluded.last_period, "
            "last_run_at = excluded.last_run_at",
            (user, period, iso(now)),
        )

    # -- deliveries ----------------------------------------------------------------------

    def record_delivery(
        self,
        user: str,
        message_id: str,
        recipient: str,
        paper_ids: Iterable[int],
        now: dt.datetime,
        *,
        in_transaction: bool = False,
    ) -> None:
        """Mark papers sent to ``user``: call only after the server accepted the message."""
        if not in_transaction:
            with self.transaction():
                self.record_delivery(user, message_id, recipient, paper_ids, now, in_transaction=True)
            return
        ids = list(paper_ids)
        delivery_id = self.db.execute(
            "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
            (user, message_id, recipient, len(ids), iso(now)),
        ).lastrowid
        self.db.executemany(
            "INSERT OR IGNORE INTO sent_papers (user, paper_id, delivery_id) VALUES (?,?,?)",
            [(user, pid, delivery_id) for pid in ids],
        )

    def sent_paper_ids(self, user: str) -> set[int]:
        rows = self.db.execute("SELECT paper_id FROM sent_papers WHERE user = ?", (user,))
        return {r[0] for r in rows}

    def reserved_paper_ids(self, user: str) -> set[int]:
        """Papers the reader was sent, or that wait in a queued message to them."""
        ids = self.sent_paper_ids(user)
        for (raw,) in self.db.execute(
            "SELECT paper_ids FROM outbox WHERE user = ? AND status = ?", (user, QUEUED)
        ):
            ids.update(json.loads(raw))
        return ids

    def deliveries(self, user: str | None = None) -> list[Delivery]:
        sql = "SELECT user, message_id, recipient, papers, sent_at FROM deliveries"
        args: tuple[str, ...] = ()
        if user is not None:
            sql, args = sql + " WHERE user = ?", (user,)
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [Delivery(r[0], r[1], r[2], r[3], dt.datetime.fromisoformat(r[4])) for r in rows]


def _statements(script: str) -> list[str]:
    """Split a migration into statements (semicolons inside comments are fine)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf)
            buf = ""
    return out


def _paper(row: tuple[int, str, str, str]) -> Paper:
    return Paper(id=row[0], title=row[1], abstract=row[2], first_seen=dt.date.fromisoformat(row[3]))


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("store timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
