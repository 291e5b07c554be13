"""A removed reader's records moved aside when their profile file's name is given to someone else.

A reader is known by their profile file's stem, so a new ``ada.yaml`` made for another person
weeks after the old one was removed would go on with the removed reader's history: their ratings
(listed on the newcomer's preferences page, steering the newcomer's ranking), the papers sent to
them (never sent to the newcomer), their schedule and the period's digest. When a pass's look
(digest.daemon.names) finds a removed name's file back with another address than the name's last
reader's, every record of that reader is renamed, in the look's transaction, to an archived
identity, ``ada~removed-20260314T070000Z`` (the time their file was found gone): nothing is
deleted, and the newcomer starts afresh. ``~`` is never in a profile's name (digest.profiles.load),
so no profile file can ever take the archived identity over, nor be served under it.

What stays with the name: its removals (``reader_name_removals``, ``reader_names``) and the
renames that led to it (``reader_renames``): they say which reader a link signed for the name
opens, and the removed reader's links keep opening nobody (a 410), as for any removed reader.

The archived reader is a reader whose file is gone, as any removed one (`digest status` does not
list them; `digest suppressed` says a suppression of theirs is kept apart), but no profile
continues them as a renamed file would (digest.daemon.renamed): their name went to someone else,
whose later renames must not lead their links anywhere else. Their records stay until the operator
does something with them (SQL: rename the rows back, or delete them).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from digest.deliver.suppressions import same_address
from digest.models import ARCHIVED as MARK  # between the name and when its file was found gone
from digest.models import is_archived as is_archived  # here for its callers (deliver/ asks models)

log = logging.getLogger(__name__)


def archived_name(user: str, gone_at: str) -> str:
    """``ada~removed-20260314T070000Z`` for ``ada`` found gone at ``gone_at`` (ISO, any offset)."""
    moment = dt.datetime.fromisoformat(gone_at).astimezone(dt.UTC)
    return f"{user}{MARK}{moment:%Y%m%dT%H%M%SZ}"


def _records(db: Any, user: str) -> bool:
    from digest.daemon.renamed import READER_TABLES  # which imports this module

    return any(
        db.execute(f"SELECT 1 FROM {table} WHERE user = ? LIMIT 1", (user,)).fetchone()
        for table in READER_TABLES
    )


def last_address(db: Any, user: str) -> str | None:
    """The address ``user``'s records were last made for: their newest message's, else their
    newest delivery's, else their suppression's (None: no record says one)."""
    for sql in (
        "SELECT recipient FROM outbox WHERE user = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        "SELECT recipient FROM deliveries WHERE user = ? ORDER BY sent_at DESC LIMIT 1",
        "SELECT recipient FROM suppressions WHERE user = ?",
    ):
        if row := db.execute(sql, (user,)).fetchone():
            return row[0]
    return None


def move_aside(db: Any, user: str, gone_at: str, address: str) -> str | None:
    """``user``'s file, found gone at ``gone_at``, is back with ``address``: if the name's records
    were made for another address (or for none known), they are a removed reader's and move to
    their archived identity (in the caller's transaction). Returns that identity, None if nothing
    moved (no records, or the records' address is ``address``: the same reader)."""
    if not _records(db, user):
        return None
    before = last_address(db, user)
    if before is not None and same_address(before, address):
        return None
    base = archived_name(user, gone_at)
    to, n = base, 1
    while _records(db, to):  # two readers of the name archived within one second: kept apart
        n += 1
        to = f"{base}-{n}"
    from digest.daemon.renamed import READER_TABLES

    for table in READER_TABLES:
        db.execute(f"UPDATE {table} SET user = ? WHERE user = ?", (to, user))
    # written down as a name whose file is gone, as of the removal (no look writes it again)
    db.execute(
        "INSERT INTO reader_names (user, live, gone_at) VALUES (?, 0, ?) ON CONFLICT (user) DO NOTHING",
        (to, gone_at),
    )
    return to
