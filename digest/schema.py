"""The database schema, as the migrations that build it.

The schema carries a version (``PRAGMA user_version``; on PostgreSQL, the table ``schema_version``);
``MIGRATIONS[n]`` takes a database from version n to n + 1, so later releases migrate existing files
in place (never by copy); the first nine are :mod:`digest.schema_first`'s. A migration is SQL, or a
function of the connection and its dialect that changes the data (:data:`DataMigration`, e.g.
:func:`digest.store_cleanup.clean_stored_papers`), run in the same transaction. The same migrations
build both databases (:func:`pg_migration` gives PostgreSQL's types); the one SQLite-only table, the
FTS5 index ``paper_terms``, is on PostgreSQL a table of one ``tsvector`` per paper (see
:data:`PG_PAPER_TERMS` and digest.select.collection); the one PostgreSQL-only table,
``reader_failures`` (digest.schema_steps), is on SQLite a file beside the database
(digest.daemon.notes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from digest.db import POSTGRESQL, pg_ddl
from digest.schema_first import FIRST_MIGRATIONS
from digest.schema_steps import MARK_REOPENED, fetch_run_times, reader_failures_said, reader_failures_table
from digest.store_cleanup import clean_stored_papers, refold_dotted_i, rekey_dotted_i
from digest.store_twice import merge_stored_twice

DataMigration = Callable[[Any, str], None]  # (connection, dialect): changes rows, in the transaction

MIGRATIONS: tuple[str | DataMigration, ...] = FIRST_MIGRATIONS + (
    # 9 -> 10: a message's bytes kept compressed (zlib): 4-5 times smaller, so a big send
    # writes (and its write-ahead log copies) a fifth of the bytes; rows stored before stay
    # as they are (packed = 0). Since, packed = 1 holds an LZ4 frame or (written before) a zlib
    # stream: digest.deliver.outbox.unpack tells them apart by their first bytes
    """
    ALTER TABLE outbox_mime ADD COLUMN packed INTEGER NOT NULL DEFAULT 0;  -- 1: mime is zlib's
    """,
    # 10 -> 11: embeddings of readers' texts (their interests as one text, each interest, the
    # titles they like) per model, so that ranking with unchanged profiles loads no model
    """
    CREATE TABLE text_embeddings (
        model       TEXT NOT NULL,
        sha256      TEXT NOT NULL,             -- of the text (UTF-8): a key of any text's length
        text        TEXT NOT NULL,             -- the text itself, compared on every lookup
        dims        INTEGER NOT NULL,
        vector      BLOB NOT NULL,             -- float32, little-endian, unit length
        PRIMARY KEY (model, sha256)
    );
    """,
    # 11 -> 12: where each reader's next window starts (the newest paper of their last digest
    # not refused) found in one index look-up, not by reading every digest they ever had
    """
    CREATE INDEX outbox_through ON outbox(user, through_paper);
    """,
    # 12 -> 13: the other titles a paper was listed under with its arXiv id (a title changed
    # between versions), so that a listing naming it by one of them without an id (the
    # trending page) finds it instead of storing it again
    """
    CREATE TABLE paper_titles (
        key         TEXT PRIMARY KEY,          -- normalized title, as papers.key
        paper_id    INTEGER NOT NULL REFERENCES papers(id)
    );
    """,
    # 13 -> 14: a failed fetch's server asked for a wait longer than a fetch waits (Retry-After):
    # the daemon asks that URL again only after it, not every 15 minutes
    """
    ALTER TABLE fetches ADD COLUMN retry_at TEXT;  -- UTC, ISO; NULL: the server asked nothing
    """,
    # 14 -> 15: papers stored with control characters or bidi overrides from escapes cleaned
    # as ingest now stores them (ids and keys kept; the keys of their clean titles, and of a feed's
    # HTML title as text, added to paper_titles); the word counts of changed texts made again
    clean_stored_papers,
    # 15 -> 16: a paper stored without an arXiv id that turned out to be one stored with it (a
    # listing gave the id with the title it was stored under) is merged into it; its id is kept
    # here, so that the links already sent with it (ratings) and messages made with it find it
    """
    CREATE TABLE paper_merges (
        old_id      INTEGER PRIMARY KEY,       -- the merged paper's id, no longer in papers
        paper_id    INTEGER NOT NULL REFERENCES papers(id),
        listing_id  INTEGER,                   -- the listing that brought it (a window's start)
        merged_at   TEXT NOT NULL
    );
    """,
    # 16 -> 17: a reader whose profile file was renamed (eve.yaml -> eve-smith.yaml) goes on
    # under the new name (digest.daemon.renamed); the links already sent with the old name find it
    """
    CREATE TABLE reader_renames (
        old_user    TEXT PRIMARY KEY,          -- the name (profile file's stem) it had
        user        TEXT NOT NULL,             -- the name it went on under
        renamed_at  TEXT NOT NULL
    );
    """,
    # 17 -> 18: the matcher reads a Turkish capital dotted I as "i": the word counts of the stored
    # papers with one made again (digest.store_reindex)
    refold_dotted_i,
    # 18 -> 19: links carry when they were signed (digest.signing), so a link opens only the reader
    # it was made for (digest.web.identity): each profile file name's state at the last pass (a
    # reader's file removed: the name's next reader is another one), and which renames were made
    # before links carried their time
    """
    CREATE TABLE reader_names (
        user        TEXT PRIMARY KEY,          -- a profile file's stem
        live        INTEGER NOT NULL,          -- 1: its file was there at the last look; 0: gone
        gone_at     TEXT                       -- its file last found gone: links signed before, not its
    );
    ALTER TABLE reader_renames ADD COLUMN undated INTEGER NOT NULL DEFAULT 0;  -- 1: made before
    UPDATE reader_renames SET undated = 1;
    """,
    # 19 -> 20: every time a name's file was found gone, not only the last (a link is told from
    # the readers the name had after it, however many), with the address of the reader it ended
    # (a file back with it, before another reader had the name, is theirs: digest.daemon.names);
    # the last one kept before: the name's newest message's if its file is gone, else none
    """
    CREATE TABLE reader_name_removals (
        user        TEXT NOT NULL,             -- a profile file's stem
        gone_at     TEXT NOT NULL,             -- its file found gone (as reader_names.gone_at)
        address     TEXT,                      -- its reader's, by their newest message since the
                                               -- removal before (NULL: none, or not known)
        PRIMARY KEY (user, gone_at)
    );
    INSERT INTO reader_name_removals (user, gone_at, address) SELECT n.user, n.gone_at, CASE WHEN n.live = 0
        THEN (SELECT o.recipient FROM outbox o WHERE o.user = n.user ORDER BY o.created_at DESC, o.id DESC
        LIMIT 1) END FROM reader_names n WHERE n.gone_at IS NOT NULL;  -- back since: another reader then
    """,
    # 20 -> 21: a title's duplicate key reads a Turkish capital dotted I as "i", as the matcher
    # does: a paper stored under the old key of such a title is found by the new one too
    rekey_dotted_i,
    # 21 -> 22: a paper stored twice before titles were read as now (with and without an escaped
    # control character; a feed's title as HTML and as text) is merged into one (digest.store_twice)
    merge_stored_twice,
    # 22 -> 23: the settings each worker serves the readers with, to be the others' (digest.daemon.agree)
    "ALTER TABLE workers ADD COLUMN settings TEXT;",
    # 23 -> 24: a reader's one-click unsubscribe kept in the database when their profile file could
    # not be read (digest.deliver.suppressions): 'unsubscribe' stops mail to any address of theirs
    "ALTER TABLE suppressions ADD COLUMN kind TEXT NOT NULL DEFAULT 'bounce';",
    # 24 -> 25: attempts in the order the server answered (digest.deliver.alone: a refusal's neighbours)
    "CREATE INDEX attempts_at ON attempts(at);",
    # 25 -> 26: when a message was refused for good (or held): its papers go in the reader's first
    # digest made after that, if a digest made while it waited left them out (digest.store_carried)
    "ALTER TABLE outbox ADD COLUMN failed_at TEXT;",
    # 26 -> 27: PostgreSQL only: the readers whose digest the workers' passes could not make, for
    # `digest status` on any machine (SQLite keeps its note beside the file: digest.daemon.notes)
    reader_failures_table,
    # 27 -> 28: a message held for its reader's new address whose period was reopened is marked so
    # (digest.deliver.wanted.held_for_new_address), not told by its reason's words, which a release
    # may reword; those held before are marked by the words they were written with (HELD_BEGINS ...)
    MARK_REOPENED,
    # 28 -> 29: a digest planned for a reader whose file was then found gone, the name given to
    # someone else (digest.deliver.wanted.given_away: sent to nobody), kept on that removal for
    # `digest status` (the daemon's pass only logged it)
    "ALTER TABLE reader_name_removals ADD COLUMN dropped TEXT;",
    # 29 -> 30: the newest of the reader's messages when one failed: a digest stored by then was not
    # made after it, whatever the clock that stamped it (digest.store_carried)
    "ALTER TABLE outbox ADD COLUMN failed_after BIGINT;",
    # 30 -> 31: PostgreSQL only: the period of a reader's failing digest and when a worker last said
    # it at ERROR, so that the workers say it once a day between them (digest.daemon.notes)
    reader_failures_said,
    # 31 -> 32: the schema a worker's release understands, written at each heartbeat: a row without
    # it (or with an older one) is a worker of a release before the upgrade, which refuses the
    # database since, so neither runs nor signs off (`digest status` says so: digest.daemon.status)
    "ALTER TABLE workers ADD COLUMN schema_version INTEGER;",
    # 32 -> 33: every name a url was fetched under (fetches.source keeps the last): a source renamed
    # keeps what it fetched under its old name after the new name's 304 or failure (store_sources)
    "CREATE TABLE fetch_names (url TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (url, source));\n"
    "INSERT INTO fetch_names (url, source) SELECT url, source FROM fetches;",
    # 33 -> 34: listings newest first (a first digest's) read along an index, not the archive sorted
    "CREATE INDEX listings_day ON listings(day, id);",
    # 34 -> 35: when a message was queued on the database server's clock (its give-up runs from it:
    # results); papers by first day, listings by ingest time (`profile test`'s window, `digest status`)
    "ALTER TABLE outbox ADD COLUMN queued_on_server TEXT;\n"
    "CREATE INDEX papers_first_seen ON papers(first_seen);\n"
    "CREATE INDEX listings_ingested ON listings(ingested_at, id);",
    # 35 -> 36: each reader's send time a pass said missed (digest.store_missed): said once, not at
    # every `digest run --once` from cron until their next send time, nor by each worker or restart;
    # or found them paused at (not missed once they are unpaused)
    "CREATE TABLE missed_said (user TEXT PRIMARY KEY, slot_at TEXT NOT NULL, why TEXT NOT NULL);",
    # 36 -> 37: a message made by a send that writes files (`send --to-dir`, delivery.transport: file):
    # 1; by one that sends by SMTP: 0 (NULL: made before). `send --to-dir` writes only those made for
    # files: a digest made for email and not tried yet (an SMTP send interrupted) is the reader's email
    "ALTER TABLE outbox ADD COLUMN for_files INTEGER;",
    # 37 -> 38: the time of the fetch run that wrote a fetch's record, and of the run of its last success:
    # a catch-up is recorded a second apart before its fetch (ingest.fetch_all.fetch_with_missed), and
    # that fetch's own record, the one that gave its time, is overwritten when a later fetch asks its
    # address again (`digest status`'s "last success", a pass's "its fetch failed at"); rows stored
    # before are given their fetch's time while its own record is still there (schema_steps)
    fetch_run_times,
    # 38 -> 39: every source that fetched a listing (listings.source keeps the one whose fetch stored
    # it): the same bytes fetched by two sources (a mirror) are both's, so either taken out of the
    # config leaves the listing the other's (store_sources); each listing stored before, its own
    "CREATE TABLE listing_fetches (\n"
    "    listing_id BIGINT NOT NULL REFERENCES listings(id),\n"
    "    source     TEXT NOT NULL,\n"
    "    fetched_at TEXT NOT NULL,\n"
    "    PRIMARY KEY (listing_id, source)\n"
    ");\n"
    "INSERT INTO listing_fetches (listing_id, source, fetched_at)\n"
    "    SELECT id, source, ingested_at FROM listings;",
)
SCHEMA_VERSION = len(MIGRATIONS)

# PostgreSQL's form of migration 5 -> 6's FTS5 table: a paper's words and joined pairs (hex of their norms) as
# one tsvector's lexemes (array_to_tsvector: never parsed or stemmed), a GIN index: FTS5's answers and counts.
PG_PAPER_TERMS = """
CREATE TABLE paper_terms (
    paper_id    BIGINT PRIMARY KEY,
    terms       TSVECTOR NOT NULL
);
CREATE INDEX paper_terms_terms ON paper_terms USING GIN (terms);
"""


def sql_statements(script: str) -> list[str]:
    """Split a migration into statements (semicolons inside comments are fine)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf)
            buf = ""
    return out


def run_migration(db: Any, version: int, dialect: str) -> None:
    """Take the database from ``version`` to the next, inside the caller's transaction."""
    migration = MIGRATIONS[version]
    if callable(migration):
        migration(db, dialect)
        return
    for statement in pg_migration(version) if dialect == POSTGRESQL else sql_statements(migration):
        db.execute(statement)


def pg_migration(version: int) -> list[str]:
    """The statements of ``MIGRATIONS[version]`` (SQL) for PostgreSQL."""
    script = MIGRATIONS[version]
    assert isinstance(script, str), "a data migration has no statements: run_migration runs it"
    out = []
    for statement in sql_statements(script):
        if "CREATE VIRTUAL TABLE paper_terms" in statement:
            out.extend(sql_statements(PG_PAPER_TERMS))
        else:
            out.append(pg_ddl(statement))
    return out
