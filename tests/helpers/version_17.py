"""A database as the release at schema version 17 left it (version_17), and a paper in it with the word
counts a refresh of that release left (add_indexed_paper), for the tests of the upgrade from 17."""

from __future__ import annotations

from pathlib import Path

from conftest import schema_at


def version_17(db_at: Path | str):
    """A database as the release at schema version 17 left it, still open."""
    return schema_at(db_at, 17)


def add_indexed_paper(db, key: str, title: str) -> int:
    """A paper, and the word counts a refresh left of it (one word's count, as the old fold saw it)."""
    sql = "INSERT INTO papers (key, title, abstract, first_seen, added_at) VALUES (?, ?, ?, ?, ?)"
    pid = db.execute(sql, (key, title, "About traffic.", "2026-11-20", "2026-11-20T06:00:00+00:00")).lastrowid
    db.execute("INSERT INTO collection_state (id, through, papers) VALUES (1, ?, 1)", (pid,))
    db.execute("INSERT INTO term_stats (key, df, through) VALUES ('w:traffic', 1, ?)", (pid,))
    return pid
