"""`digest db migrate`: an SQLite database copied into an empty PostgreSQL one, without loss.

Both are brought to the current schema first (the same migrations), then every table is
copied, row for row, in one PostgreSQL transaction (all or nothing), with COPY; the identity
sequences continue after the highest ids; and the row counts of every table are compared.
The archive's word index (``paper_terms``) is copied paper by paper as it stands, not rebuilt
from the papers: it still counts the words of a paper merged into another (the row is gone,
store_papers.merge_paper) and the words a paper was indexed with before a fuller copy completed
its abstract, so the counts the ranking reads, and every score, are the source's. SQLite's FTS5
index keeps no text (``content=''``), but its words per paper can be read back through
``fts5vocab``; on PostgreSQL they become each paper's tsvector. The acronyms, the term counts and
the last paper indexed are copied with them; papers the source had not indexed yet are indexed
on the copy afterwards, as the source would have done.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.daemon.notes import copy_note
from digest.db import db_errors, is_postgres, shown
from digest.dbcopy_again import EMPTY, refuse_copied, refuse_other
from digest.dbfaults import may_write
from digest.errors import StoreError, StoreUnusable
from digest.files import counted
from digest.pggrants import TABLES_SCHEMA
from digest.progress import NO_PROGRESS, Progress
from digest.select.collection import CollectionStats
from digest.sqlite_needed import sqlite_too_old
from digest.store import Store

log = logging.getLogger(__name__)

# Parents before children (foreign keys); tables not named here follow, in name order.
ORDER = (
    "papers", "listings", "listing_papers", "deliveries", "sent_papers", "outbox", "outbox_mime",
    "attempts", "embeddings", "text_embeddings", "ratings", "schedule_state", "fetches", "suppressions",
    "term_stats",
)  # fmt: skip
# Not copied row for row: the word index (copy_word_index), the workers seen (not data).
REBUILT = frozenset({"paper_terms", "workers", "reader_claims"})
DATA = ("papers", "listings", "outbox", "deliveries")  # any row here: the target is not empty


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    tables: tuple[tuple[str, int, int], ...]  # (table, rows in the source, rows in the target)
    indexed: int  # papers indexed on the copy (those the source had not indexed yet)
    unindexed: int | None = None  # when that indexing was interrupted (Ctrl-C): the papers left
    noted: int = 0  # the readers the last pass could not make a digest for (the file beside it), copied

    @property
    def ok(self) -> bool:
        return all(a == b for _, a, b in self.tables)


def sqlite_tables(store: Store) -> list[str]:
    rows = store.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'paper_terms%'"
    ).fetchall()
    names = {r[0] for r in rows} - REBUILT
    return [t for t in ORDER if t in names] + sorted(names - set(ORDER))


def accepted_unrecorded(src: Store) -> None:
    """What the server accepted and the SQLite file does not say yet, recorded there first, as
    the next pass on it would: a killed pass's journal, the note of a pass that could not record
    (digest.deliver.journal, digest.deliver.unrecorded). Both are files beside the SQLite file
    that the workers on PostgreSQL never read: copied without them, those messages would still
    be queued, and be sent a second time."""
    from digest.deliver.accepted import record_accepted
    from digest.deliver.journal import journals, read, replay
    from digest.deliver.outbox import Outbox
    from digest.deliver.unrecorded import Unrecorded

    unrecorded = Unrecorded(src.path)
    notes = [(path, read(path)) for path in journals(src.path)]
    if unrecorded.entries():
        notes.append((unrecorded.path, unrecorded.entries()))
    notes = [(path, accepted) for path, accepted in notes if accepted]
    if notes and not _writable(Path(src.path)):  # else "delivery is stopped", from the recording
        accepted = [a for _, found in notes for a in found]
        who = ", ".join(sorted({f"{a.user} <{a.recipient}>" for a in accepted}))
        raise StoreError(
            f"{src.path}: the database file is read-only, and {counted(len(accepted), 'digest')} the "
            f"server accepted ({who}) {'is' if len(accepted) == 1 else 'are'} noted beside it "
            f"({', '.join(str(p) for p, _ in notes)}) but not recorded in it yet: copied now, "
            f"{'it' if len(accepted) == 1 else 'they'} would be sent again from PostgreSQL. Make it "
            f"writable (and its folder) and run `digest db migrate` again: it records "
            f"{'it' if len(accepted) == 1 else 'them'}, then copies"
        )
    if notes and sqlite_too_old():  # recording them is a mark (RETURNING): SQLite's syntax error
        n = sum(len(found) for _, found in notes)
        one, them = n == 1, "it" if n == 1 else "them"
        noted = counted(n, "digest")
        raise StoreUnusable(
            f"{src.path}: {noted} the server accepted {'is' if one else 'are'} noted beside it but not "
            f"recorded in it yet; recording {them} needs SQLite 3.35 or newer, and this Python's sqlite3 "
            f"is {sqlite3.sqlite_version}: run `digest db migrate` with a Python whose sqlite3 has a newer "
            f"SQLite (it records {them}, then copies)"
        )
    outbox = Outbox(src)
    record_accepted(outbox, unrecorded, sending=False)  # no room for a note kept: it copies
    replay(outbox)


def _writable(path: Path) -> bool:
    """Can SQLite write the database file (and its -wal and -shm files beside it)? Judged by the
    effective ids, as SQLite's opens are."""
    return may_write(path) and may_write(path.parent)


def refuse_went_on(src: Store, dst: Store, target: str) -> None:
    """The target holds digests sent from it that the source does not: a copy made before, which
    the workers went on with (its ids continue after the copied ones). Said first, before "stop
    them" or "createdb a new one", which, followed, would put the file's older state in its place
    and send those digests' papers again."""
    (last,) = src.db.execute("SELECT COALESCE(MAX(id), 0) FROM deliveries").fetchone()
    (count,) = dst.db.execute("SELECT COUNT(*) FROM deliveries WHERE id > ?", (last,)).fetchone()
    diverged, common = _diverged(src, dst, last)  # the file went on too: the same ids, other digests
    count += diverged
    if count:
        (at,) = dst.db.execute("SELECT MAX(sent_at) FROM deliveries").fetchone()  # one of those
        own, at_own = src.db.execute(
            "SELECT COUNT(*), MAX(sent_at) FROM deliveries WHERE id > ?", (common,)
        ).fetchone()
        raise StoreError(
            f"{shown(target)}: the database holds {count} digest{'s' * (count != 1)} sent from it that "
            f"{src.path} does not have (the last on {_minute(at)} UTC): it has been in use since a copy "
            "of the file; keep it (`database:` pointing at it). Copied again, the file's older state "
            "would send those digests' papers again"
            + (
                f". {src.path} holds {own} digest{'s' * (own != 1)} sent from it since the copy that the "
                f"database does not have (the last on {_minute(at_own)} UTC): the workers do not know "
                "of them, and may send their papers again"
                if own
                else ""
            )
        )


def _minute(at: str) -> str:
    return at[:16].replace("T", " ")


def _diverged(src: Store, dst: Store, last: int, page: int = 500) -> tuple[int, int]:
    """The target's deliveries up to the source's last id that the source does not have (by
    Message-ID): those both sent after the copy, the newest first, down to the copy's last; and
    that last one's id (0: none in common), after which the source's are its own."""
    count, below = 0, last + 1
    while rows := dst.db.execute(
        "SELECT id, message_id FROM deliveries WHERE id < ? ORDER BY id DESC LIMIT ?", (below, page)
    ).fetchall():
        for delivery, message_id in rows:
            if src.db.execute(
                "SELECT 1 FROM deliveries WHERE id = ? AND message_id = ?", (delivery, message_id)
            ).fetchone():
                return count, delivery
            count += 1
        below = rows[-1][0]
    return count, 0


def refuse_unless_empty(dst: Store, target: str, tables: list[str]) -> None:
    """Nothing in the target that the copy would mix with or collide with: no worker using it (a
    `digest run` started on the empty database writes the profiles' names at its first pass, and
    would go on writing beside the copy), no row in any table copied (the data tables named first)."""
    seen = dst.db.execute("SELECT id, seen_at FROM workers ORDER BY seen_at DESC").fetchall()
    if seen:
        who = ", ".join(f"{w} (last seen {at[:16].replace('T', ' ')} UTC)" for w, at in seen[:3])
        who += ", ..." if len(seen) > 3 else ""
        raise StoreError(
            f"{shown(target)}: digest workers have used this database ({who}): "
            "stop them, then migrate into an empty database (dropdb and createdb it again), and start "
            "them once the copy is done"
        )
    for table in (*DATA, *(t for t in tables if t not in DATA)):
        if dst.db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
            raise StoreError(f"{shown(target)}: the database already holds {table}; {EMPTY}")


def refuse_foreign(target: str, timeout: float = 30.0) -> None:
    """Nothing but digest's in the target, asked before digest's tables are made in it (opening
    it as a Store would make them): a database holding other tables and no digest schema is
    another application's, or a mistyped name, to be left as it is. A `schema_version` table of
    another tool (Flyway's before version 5, with columns of its own) is no digest schema. The
    schema looked at is the one digest's tables are in, or would be made in (TABLES_SCHEMA: not
    current_schema(), where a schema named after the role comes first and theirs after it)."""
    from digest.db import connect_postgres, db_errors
    from digest.pgrefusals import refusal

    try:
        db = connect_postgres(target, timeout)
    except db_errors() as e:  # psycopg's: imported by the connection
        raise refusal(target, e, timeout) from None
    try:
        names = [
            name
            for (name,) in db.raw.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                f"WHERE quote_ident(n.nspname) = {TABLES_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
                "ORDER BY 1"
            ).fetchall()
        ]
        columns = db.raw.execute(  # digest's schema_version has one column; another tool's more
            "SELECT column_name FROM information_schema.columns "
            f"WHERE quote_ident(table_schema) = {TABLES_SCHEMA} AND table_name = 'schema_version'"
        ).fetchall()
    finally:
        db.close()
    if names and columns != [("version",)]:
        listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise StoreError(
            f"{shown(target)}: the database holds tables that are not digest's ({listed}); {EMPTY}"
        )


def copy_to_postgres(
    source: Path, target: str, *, batch: int = 5000, progress: Progress | None = None
) -> CopyReport:
    """Copy the SQLite database ``source`` into the empty PostgreSQL database ``target``.

    ``progress`` is told of the rows copied, of the word index's, then of the papers indexed on
    the copy; each table copied is also logged, one line each."""
    progress = progress or NO_PROGRESS
    if is_postgres(source) or not is_postgres(target):
        raise StoreError(
            f"migrate copies an SQLite file into a postgresql:// database, not {source} -> {target}"
        )
    if not Path(source).exists():
        raise StoreError(f"{source}: no such database file")
    refuse_foreign(target)
    # its claims' RETURNING not needed: an SQLite older than 3.35 copies it (digest.sqlite_needed)
    with Store(source, claimed=False) as src, Store(target) as dst:
        accepted_unrecorded(src)
        tables = sqlite_tables(src)
        refuse_other(src, dst, target)
        refuse_went_on(src, dst, target)
        refuse_copied(src, dst, target, tables)
        refuse_unless_empty(dst, target, tables)
        raw = dst.db.raw
        total = sum(src.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)
        progress.start("copying", total)
        committing = False  # the copy's last statement sent: lost then, whether it was kept is unknown
        try:
            with raw.transaction():
                copy_rows(src, raw, tables, batch, progress)
                noted = copy_note(Path(source), raw)  # a file beside it on SQLite, a table here
                committing = True
        except db_errors() as e:
            if not getattr(raw, "broken", False):
                raise
            raise lost(src, target, e, committing) from None
        counts = tuple(
            (
                t,
                src.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0],
                dst.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0],
            )
            for t in tables
        )  # as copied: indexing the papers the source had not indexed yet adds acronyms
        stats, unindexed = CollectionStats(dst), "SELECT COUNT(*) FROM papers WHERE id > ?"
        (waiting,) = dst.db.execute(unindexed, (stats.through,)).fetchone()
        try:
            indexed = stats.refresh(progress)
        except KeyboardInterrupt:  # the copy is committed: said so; the papers are indexed a chunk a
            # transaction, those left by the workers' first pass, as after an ingest
            progress.finish()
            with Store(target) as again:  # dst's connection may be mid-statement, interrupted
                (left,) = again.db.execute(unindexed, (CollectionStats(again).through,)).fetchone()
            return CopyReport(str(source), shown(target), counts, waiting - left, left or None, noted)
    return CopyReport(str(source), shown(target), counts, indexed, noted=noted)


def copy_rows(src: Store, raw: Any, tables: list[str], batch: int, progress: Progress) -> None:
    """Every table's rows, then the word index, in the copy's transaction (``raw``: its psycopg
    connection)."""
    for table in tables:
        columns = [r[1] for r in src.db.execute(f"PRAGMA table_info({table})").fetchall()]
        names = ", ".join(f'"{c}"' for c in columns)
        rows = src.db.execute(f"SELECT {names} FROM {table}")
        with raw.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            while chunk := rows.fetchmany(batch):
                for row in chunk:
                    copy.write_row(row)
                progress.advance(len(chunk))
        if "id" in columns:
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table} "
                "HAVING MAX(id) IS NOT NULL"
            )
        log.info("copied %s", table)
    # nor the id of a paper merged into another, which SQLite's next paper skipped too
    raw.execute(
        "SELECT setval(pg_get_serial_sequence('papers', 'id'), m) FROM (SELECT MAX(old_id) AS m "
        "FROM paper_merges) AS t WHERE m > (SELECT COALESCE(MAX(id), 0) FROM papers)"
    )
    # a claim names an SQLite process (the file lock's), no worker: nothing to wait for
    raw.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL")
    progress.finish()
    copy_word_index(src, raw, batch, progress)


def lost(src: Store, target: str, error: Exception, committing: bool) -> StoreError:
    """The connection to PostgreSQL lost during the copy (a server restarted, a network cut, an
    administrator ending it): libpq's text ("terminating connection due to administrator command",
    "server closed the connection unexpectedly") said as what it means for the copy."""
    first = (
        " ".join(str(error).strip().splitlines()[0].split()) if str(error).strip() else type(error).__name__
    )
    kept = (
        "it was lost as the copy was being committed, so whether it was kept is not known"
        if committing
        else "the copy is one transaction, not committed then, so nothing of it was kept"
    )
    return StoreError(
        f"{shown(target)}: the connection to PostgreSQL was lost during the copy ({first}): {kept}; "
        f"{src.path} is as it was. Run `digest db migrate` again once the server answers: it copies "
        "into the empty database, or says that it holds the copy already"
    )


def copy_word_index(src: Store, raw: Any, batch: int, progress: Progress) -> None:
    """The source's word index as it stands (see the module's docstring): each paper's terms, read
    through fts5vocab (one row per term and paper), into a temporary table, then one tsvector per
    paper; in the copy's transaction (``raw``: its psycopg connection)."""
    src.db.execute("CREATE VIRTUAL TABLE temp.paper_terms_vocab USING fts5vocab(main, paper_terms, instance)")
    src.db.execute("CREATE VIRTUAL TABLE temp.paper_terms_rows USING fts5vocab(main, paper_terms, row)")
    rows = None
    try:
        (total,) = src.db.execute("SELECT COALESCE(SUM(doc), 0) FROM temp.paper_terms_rows").fetchone()
        progress.start("copying the word index", total)
        raw.execute("CREATE TEMPORARY TABLE paper_terms_copy (paper_id BIGINT, term TEXT) ON COMMIT DROP")
        rows = src.db.execute("SELECT doc, term FROM temp.paper_terms_vocab")
        with raw.cursor().copy("COPY paper_terms_copy (paper_id, term) FROM STDIN") as copy:
            while chunk := rows.fetchmany(batch):
                for row in chunk:
                    copy.write_row(row)
                progress.advance(len(chunk))
        raw.execute(
            "INSERT INTO paper_terms (paper_id, terms) SELECT paper_id, "
            "array_to_tsvector(array_agg(DISTINCT term)) FROM paper_terms_copy GROUP BY paper_id"
        )
        progress.finish()
        log.info("copied the word index")
    finally:  # a read left midway (Ctrl-C) holds the table: dropped with it open, "database table
        # is locked" would be said in place of what stopped the copy
        if rows is not None:
            rows.close()
        src.db.execute("DROP TABLE temp.paper_terms_vocab")
        src.db.execute("DROP TABLE temp.paper_terms_rows")
