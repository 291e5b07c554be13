"""What a look at the profiles folder (digest.daemon.names) writes down, in its transaction: the
names whose files went (their removals), and those whose files came back (each its reader back,
the removal undone, or a new reader, the removal kept and the removed reader's records moved aside).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from digest.daemon import archive, removals
from digest.daemon.renamed import newest_message
from digest.deliver.suppressions import UNSUBSCRIBE
from digest.store_chunks import in_chunks


def write_gone(db: Any, names: Sequence[str], at: str, gone_before: Mapping[str, str | None]) -> list[str]:
    """``names``' files found gone at ``at`` (or by the newest message made for each), unless
    another worker wrote one down already; ``gone_before``: a name's last removal's time, if any.
    What a name at a time did (its newest message read, its row written gone if live or new, and
    for those written, their removal added with the address of their newest message since the
    last), a chunk of names at a time (digest.store_chunks), in their order and the caller's
    transaction: 65,536 files gone at once were 262,144 statements (a round trip each on
    PostgreSQL), now about 400. Returns the names written down gone here, in their order (not
    those another worker's look wrote down first: said by that look)."""
    done: list[str] = []
    for chunk, marks in in_chunks(names):
        sql = f"SELECT user, MAX(created_at) FROM outbox WHERE user IN ({marks}) GROUP BY user"
        newest = dict(db.execute(sql, chunk))
        gone_at = {name: max(at, newest.get(name) or "") for name in chunk}
        changed = {
            name
            for (name,) in db.execute(
                f"WITH went(name, went_at) AS (VALUES {','.join(['(?, ?)'] * len(chunk))}) "
                "INSERT INTO reader_names (user, live, gone_at) SELECT name, 0, went_at FROM went WHERE true "
                "ON CONFLICT (user) DO UPDATE SET live = 0, gone_at = excluded.gone_at "
                "WHERE reader_names.live = 1 RETURNING user",
                [v for name in chunk for v in (name, gone_at[name])],
            ).fetchall()
        }
        if written := [name for name in chunk if name in changed]:
            removals.add_many(db, [(name, gone_at[name], gone_before.get(name)) for name in written])
            done += written
    return done


UNDONE, ANOTHER, UNKNOWN = "undone", "another", "unknown"  # what a file back is: its reader, ...


def write_back(
    db: Any, names: Sequence[str], gone: Mapping[str, str | None], emails: Mapping[str, str], moved: list[str]
) -> dict[str, str | None]:
    """``names``' files, found gone (at ``gone``, if known), back with ``emails``: the reader whose file went
    (removal undone), or a new one (removal kept, as late as the newest message made for the removed reader,
    by a pass that read their profile before it went), or None (another worker's look did it), each; a chunk
    at a time (a statement each: 65,536 readers back were 262,144). ``moved``: archived identities, added."""
    outcome: dict[str, str | None] = {}
    for chunk, marks in in_chunks(names):
        sql = f"UPDATE reader_names SET live = 1 WHERE user IN ({marks}) AND live = 0 RETURNING user"
        flipped = {name for (name,) in db.execute(sql, chunk).fetchall()}
        last = removals.last_of(db, [name for name in chunk if name in flipped])
        undone = {name for name in flipped if name in last and last[name].ends(emails[name])}
        removals.forget_last(db, [(name, last[name].gone_at) for name in chunk if name in undone])
        for name in chunk:
            new = name in flipped and name not in undone
            said = _another(db, name, gone.get(name), emails[name], last.get(name), moved) if new else None
            outcome[name] = UNDONE if name in undone else said
    return outcome


def _another(
    db: Any, name: str, gone: str | None, address: str, last: removals.Removal | None, moved: list[str]
) -> str:
    """``name``'s file is back (written live) with ``address``, not that of ``last``'s reader."""
    if gone:
        later = max(gone, newest_message(db, name))
        removals.move(db, name, gone, later)
        db.execute("UPDATE reader_names SET gone_at = ? WHERE user = ?", (later, name))
        removals.settle(db, name, later)  # another reader had the name since: never undone now
        # the removed reader's records (ratings, papers sent, schedule, suppression...) are theirs,
        # not the newcomer's: moved aside to an archived identity, unless made for this address
        if aside := archive.move_aside(db, name, later, address):
            moved.append(aside)
    if not (last and last.address):
        return UNKNOWN
    # a removed reader's unsubscribe (any address of theirs) left with the name (nothing archived:
    # its records were this address's) is not the newcomer's (a bounce is its address's only)
    db.execute("DELETE FROM suppressions WHERE user = ? AND kind = ?", (name, UNSUBSCRIBE))
    return ANOTHER
