"""The SQLite digest needs: 3.35 or newer. The store's claims and marks take the rows they changed
back with ``RETURNING`` (digest.deliver.claims, digest.deliver.marks, digest.daemon.claims, the
names' look: digest.daemon.names), which an older SQLite reads as a syntax error, met only when the
first claim is made. Python's sqlite3 module uses the SQLite library its build links to, on Linux
usually the system's: a Python 3.11 on an older system (Ubuntu 20.04's 3.31, RHEL 8's 3.26) has an
older one.
An SQLite database is refused at its opening instead, saying so (digest.store.Store), as it is by an
SQLite built without FTS5 (a build option, not a version), which the word index is a table of:
before, "cannot open the database: no such module: fts5", or that error met in the middle of a
command."""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3

NEEDED = (3, 35)


def sqlite_too_old(version: str = sqlite3.sqlite_version) -> str | None:
    """What to say when SQLite ``version`` (``sqlite3.sqlite_version``: the library this Python's
    sqlite3 module uses) is older than :data:`NEEDED`, else None."""
    found = re.match(r"(\d+)\.(\d+)", version)
    if found is None or (int(found[1]), int(found[2])) >= NEEDED:
        return None  # not a version's text: let the library say what it can do
    return (
        f"digest needs SQLite {NEEDED[0]}.{NEEDED[1]} or newer; this Python's sqlite3 is {version} "
        "(run digest with a Python whose sqlite3 has a newer SQLite, or keep the database in "
        "PostgreSQL: `digest db migrate --to postgresql://...` copies this one there)"
    )


@functools.cache
def fts5_missing() -> str | None:
    """What to say when this Python's SQLite has no FTS5 (the word index, paper_terms, is an FTS5
    table, and `digest db migrate` reads it through fts5vocab), else None: asked once a process, of
    an in-memory database."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE temp.probe USING fts5(words)")
    except sqlite3.Error as e:
        return (
            f"digest needs SQLite built with FTS5 (its word index is an FTS5 table); this Python's sqlite3 "
            f"(SQLite {sqlite3.sqlite_version}) has none ({e}): run digest with a Python whose sqlite3 "
            "has it, or keep the database in PostgreSQL"
        )
    return None
