"""Every time a profile file name's file was found gone (``reader_name_removals``), and whose.

A removal ends a reader's time with a name: the links signed before it are that reader's or an
earlier one's, never a later reader's (digest.web.identity). Each is kept, not only the last, so
that a link is told from every reader the name had since (one given the name and renamed away,
then another given it and removed: the first removal still tells the first reader's links from
the renamed one's). ``reader_names.gone_at`` is the last of them (None: none), kept with it.

With each, the address of the reader it ended: that of the name's newest message made since
the removal before (None: no message since; one kept before addresses were whose file came back
before the upgrade). A file back with that address, before another reader had the name, is that
reader back: the removal is undone (digest.daemon.names). Another address is another reader; no
address known, anybody; once another reader had the name, the removal is settled (its address
dropped) for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from digest.deliver.suppressions import same_address


class Removal(NamedTuple):
    gone_at: str  # ISO time, UTC (ordered as text)
    address: str | None

    def ends(self, address: str) -> bool:
        """Is ``address`` (a file back's) that of the reader this removal ended (not settled)?"""
        return bool(self.address and same_address(self.address, address))


def gone_times(db: Any, user: str) -> list[str]:
    """The times ``user``'s file was found gone, oldest first (what tells a link's reader:
    digest.web.identity)."""
    rows = db.execute("SELECT gone_at FROM reader_name_removals WHERE user = ? ORDER BY gone_at", (user,))
    return [at for (at,) in rows.fetchall()]


def add_many(db: Any, gone: Sequence[tuple[str, str, str | None]]) -> None:
    """A removal of each (user, gone_at, since) added (unless there) in one statement (at most 500:
    digest.store_chunks), its address that of the user's newest message made after ``since`` (any:
    None)."""
    db.execute(
        f"WITH gone(name, gone_at, since) AS (VALUES {','.join(['(?, ?, ?)'] * len(gone))}) "
        "INSERT INTO reader_name_removals (user, gone_at, address) SELECT name, gone_at, (SELECT recipient "
        "FROM outbox WHERE user = gone.name AND created_at > gone.since ORDER BY created_at DESC, id DESC "
        "LIMIT 1) FROM gone WHERE true ON CONFLICT DO NOTHING",
        [v for user, gone_at, since in gone for v in (user, gone_at, since or "")],
    )


def move(db: Any, user: str, gone_at: str, to: str) -> None:
    """The removal at ``gone_at`` was later (a message of its reader stored after it was found)."""
    if to != gone_at:
        db.execute(
            "UPDATE reader_name_removals SET gone_at = ? WHERE user = ? AND gone_at = ?", (to, user, gone_at)
        )


def settle(db: Any, user: str, gone_at: str) -> None:
    """The removal at ``gone_at`` ended its reader's time with the name for good: another reader
    had the name since (a file back with another address; they may rename it away, and the
    removed reader's address come back after them). Its address is dropped: never undone."""
    db.execute(
        "UPDATE reader_name_removals SET address = NULL WHERE user = ? AND gone_at = ?", (user, gone_at)
    )


def last_of(db: Any, users: Sequence[str]) -> dict[str, Removal]:
    """The last removal of each of ``users`` that has one, in one statement (at most 500 users:
    digest.store_chunks)."""
    if not users:
        return {}
    last: dict[str, Removal] = {}
    sql = "SELECT user, gone_at, address FROM reader_name_removals WHERE user IN ({}) ORDER BY user, gone_at"
    for user, at, address in db.execute(sql.format(",".join("?" * len(users))), list(users)):
        last[user] = Removal(at, address)
    return last


def forget_last(db: Any, undone: Sequence[tuple[str, str]]) -> None:
    """:func:`forget` of each (user, since) in two statements (at most 500: digest.store_chunks),
    ``since`` the user's last removal, as read in the caller's transaction (none later)."""
    if not undone:
        return
    marks = ",".join("?" * len(undone))
    db.execute(
        "DELETE FROM reader_name_removals WHERE (user, gone_at) IN "
        f"(VALUES {','.join(['(?, ?)'] * len(undone))})",
        [v for pair in undone for v in pair],
    )
    db.execute(
        "UPDATE reader_names SET gone_at = (SELECT MAX(gone_at) FROM reader_name_removals AS r "
        f"WHERE r.user = reader_names.user) WHERE user IN ({marks})",
        [user for user, _ in undone],
    )


def forget(db: Any, user: str, since: str) -> str | None:
    """Drop ``user``'s removals at or after ``since`` (undone: the reader came back, or it was a
    rename); the last one left, now ``reader_names.gone_at`` (None: none)."""
    db.execute("DELETE FROM reader_name_removals WHERE user = ? AND gone_at >= ?", (user, since))
    row = db.execute("SELECT MAX(gone_at) FROM reader_name_removals WHERE user = ?", (user,)).fetchone()
    last = row[0] if row else None
    db.execute("UPDATE reader_names SET gone_at = ? WHERE user = ?", (last, user))
    return last


def dropped_since(db: Any, since: str) -> list[tuple[str, str, str]]:
    """(name, when its file was found gone, the digest) of the removals since ``since`` (ISO, UTC)
    that a removed reader's digest, planned before, was not stored for (sent to nobody:
    digest.deliver.wanted.note_given_away), oldest first."""
    sql = "SELECT user, gone_at, dropped FROM reader_name_removals WHERE dropped IS NOT NULL AND gone_at >= ?"
    return [
        (user, at, dropped) for user, at, dropped in db.execute(f"{sql} ORDER BY gone_at, user", (since,))
    ]
