"""The first nine migrations (``MIGRATIONS[0]`` to ``[8]``): the schema as it stood at version 9,
when several workers came to share a database. Released long ago and never changed since; the
later ones, and how they all run, are :mod:`digest.schema`'s.
"""

from __future__ import annotations

FIRST_MIGRATIONS: tuple[str, ...] = (
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
    # 3 -> 4: papers known by their arXiv id across sources, with authors, categories, links and
    # upvotes; each listing's format; what was fetched from where (for conditional requests and
    # `digest status`). Existing rows keep every value; the new columns start empty.
    """
    ALTER TABLE papers ADD COLUMN arxiv_id TEXT;         -- without version; NULL if no source gave one
    ALTER TABLE papers ADD COLUMN authors TEXT NOT NULL DEFAULT '[]';     -- JSON array of names
    ALTER TABLE papers ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';  -- JSON, primary first
    ALTER TABLE papers ADD COLUMN code_url TEXT;
    ALTER TABLE papers ADD COLUMN project_url TEXT;
    ALTER TABLE papers ADD COLUMN upvotes INTEGER;
    CREATE UNIQUE INDEX papers_arxiv_id ON papers(arxiv_id) WHERE arxiv_id IS NOT NULL;
    ALTER TABLE listings ADD COLUMN format TEXT NOT NULL DEFAULT 'trending';
    CREATE TABLE fetches (
        url           TEXT PRIMARY KEY,
        source        TEXT NOT NULL,             -- the source's name in the config
        etag          TEXT,                      -- validators for the next conditional request
        last_modified TEXT,
        attempted_at  TEXT NOT NULL,
        outcome       TEXT NOT NULL,             -- listing | empty | not_modified | failed
        detail        TEXT NOT NULL DEFAULT '',  -- what was stored, or why it failed
        succeeded_at  TEXT                       -- the last attempt that was not a failure
    );
    CREATE INDEX fetches_source ON fetches(source, attempted_at);
    """,
    # 4 -> 5: a reader's window (papers added since their previous digest) by index; bounces
    """
    CREATE INDEX papers_added ON papers(added_at);
    -- the newest paper when the message's digest was chosen: the next one starts after it
    ALTER TABLE outbox ADD COLUMN through_paper INTEGER;
    -- hard bounces: no more digests to this reader's address (digest.deliver.suppressions)
    CREATE TABLE suppressions (
        user        TEXT PRIMARY KEY,
        recipient   TEXT NOT NULL,             -- the refused address
        reply       TEXT NOT NULL,             -- the server's refusal
        at          TEXT NOT NULL
    );
    """,
    # 5 -> 6: the archive's word and phrase counts, kept incrementally (select.collection)
    """
    CREATE VIRTUAL TABLE paper_terms USING fts5(
        words, pairs, content='', detail=none, tokenize='ascii'
    );
    CREATE TABLE term_stats (
        key         TEXT PRIMARY KEY,          -- "w:" word, or "p:" phrase words "|" joined
        df          INTEGER NOT NULL,          -- papers that have it, among those up to `through`
        through     INTEGER NOT NULL
    );
    -- acronyms the papers define ("large language models (LLMs)"), counted per expansion
    CREATE TABLE acronyms (
        acronym     TEXT NOT NULL,
        expansion   TEXT NOT NULL,             -- the expansion's word norms, space separated
        n           INTEGER NOT NULL,
        PRIMARY KEY (acronym, expansion)
    );
    CREATE TABLE collection_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        through     INTEGER NOT NULL,          -- the last paper indexed in paper_terms
        papers      INTEGER NOT NULL
    );
    """,
    # 6 -> 7: readers' ratings of papers ("more like this" = 1, "less like this" = -1)
    """
    CREATE TABLE ratings (
        user        TEXT NOT NULL,
        paper_id    INTEGER NOT NULL REFERENCES papers(id),
        rating      INTEGER NOT NULL CHECK (rating IN (-1, 1)),
        rated_at    TEXT NOT NULL,
        PRIMARY KEY (user, paper_id)
    );
    """,
    # 7 -> 8: a message's bytes in a table of their own: recording a result rewrites a small
    # row, not 40 KB, and retention drops the bytes by deleting rows (outbox.mime stays empty;
    # substr(mime, 1, 0) is an empty blob in SQLite and PostgreSQL alike)
    """
    CREATE TABLE outbox_mime (
        outbox_id   INTEGER PRIMARY KEY REFERENCES outbox(id),
        mime        BLOB NOT NULL              -- the exact bytes handed to the server
    );
    INSERT INTO outbox_mime (outbox_id, mime) SELECT id, mime FROM outbox WHERE length(mime) > 0;
    UPDATE outbox SET mime = substr(mime, 1, 0) WHERE length(mime) > 0;
    """,
    # 8 -> 9: several workers on one database (digest.daemon.workers): a message claimed by one
    # worker for a while (its lease), a reader claimed likewise while their digest is made, the
    # period each scheduled digest is for (unique: the backstop against a second one), and the
    # workers seen, with what each holds
    """
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- the worker sending it (digest.daemon.workers)
    ALTER TABLE outbox ADD COLUMN claimed_until TEXT;   -- its lease: after it, any worker may
    CREATE TABLE reader_claims (
        user          TEXT PRIMARY KEY,
        claimed_by    TEXT,                    -- the worker making the reader's digest
        claimed_until TEXT                     -- its lease
    );
    CREATE TABLE period_digests (
        user        TEXT NOT NULL,
        period      TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        PRIMARY KEY (user, period)
    );
    CREATE TABLE workers (
        id          TEXT PRIMARY KEY,          -- host:pid
        started_at  TEXT NOT NULL,
        seen_at     TEXT NOT NULL,
        holds       TEXT NOT NULL DEFAULT ''   -- what it was doing at seen_at
    );
    """,
)
