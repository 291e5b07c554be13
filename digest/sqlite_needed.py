"""The SQLite digest needs: 3.35 or newer. The store's claims and marks take the rows they changed
back with ``RETURNING`` (digest.deliver.claims, digest.deliver.marks, digest.daemon.claims), which
an older SQLite reads as a syntax error, met only when the first claim is made. Python's sqlite3
module uses the SQLite library it was built with (or finds on the machine), not one of its own
version: a Python 3.11 on an older system (Ubuntu 20.04's 3.31, RHEL 8's 3.26) has an older one.
An SQLite database is refused at its opening instead, saying so (digest.store.Store)."""

from __future__ import annotations

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
