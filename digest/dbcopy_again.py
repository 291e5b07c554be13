"""`digest db migrate` run again on a database that holds the file's rows: is it the file's copy,
row for row, in content (not counts or ids: a rating changed, a suppression released, a state
updated in place, on either side, keeps both counts and ids)?

Every table copied is read on both sides in one read-only snapshot each (nothing is written to
either) and compared as a multiset of rows: each row's values, as both databases give them back
(text, integers, bytes, NULL: the schema's types, the same on both; a boolean or a whole float is
its integer, in case; any other difference of type counts as a difference, the safe side),
hashed, the hashes summed (the order of the rows, which the two may sort differently, plays no
part); a table whose sums differ is read again, by its primary key (the whole row where it has
none), to count the rows changed under the same key and those only one side holds. The word
index's tables are left out: they are counted from the papers (compared), and indexing the papers
on the copy adds to them. So are the outbox's claims, which the copy clears (a claim names an
SQLite process, no worker). The check is also where a database that is no copy of the file at
all (another digest's) is told apart (copy_of).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from digest.db import shown
from digest.errors import StoreError
from digest.files import counted
from digest.pggrants import TABLES_SCHEMA
from digest.select.collection import CollectionStats
from digest.store import Store

# the word index's tables: counted from the papers; indexing the papers on the copy adds to them
INDEXED = frozenset({"acronyms", "collection_state", "term_stats"})
CLEARED = {"outbox": frozenset({"claimed_by", "claimed_until"})}  # as the copy leaves them: NULL


# what "every table's rows are the same" leaves out: made from what is compared, or anew by each pass
NOT_COMPARED = (
    "but for the word index's, made from the papers, and the readers whose digest could not be made, "
    "noted anew by each pass (not compared)"
)
EMPTY = "migrate into an empty database (createdb a new one), so that nothing is mixed or overwritten"


class AlreadyCopied(StoreError):
    """The target is a copy of the source already, row for row: nothing to copy (not a fault)."""


@dataclass(frozen=True)
class Difference:
    table: str
    in_file: int  # rows only the file holds (its key not in the database)
    in_database: int  # rows only the database holds
    changed: int  # rows under the same key, changed on one side or the other (which, nothing says)


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (memoryview, bytearray)):
        return bytes(value)
    return value


def _hash(row: Iterable[Any]) -> bytes:
    return hashlib.blake2b(repr(tuple(map(_value, row))).encode(), digest_size=16).digest()


def _sum(rows: Iterable[Iterable[Any]]) -> tuple[int, int]:
    count = total = 0
    for row in rows:
        count += 1
        total = (total + int.from_bytes(_hash(row), "big")) % (1 << 128)
    return count, total


def _columns(src: Store, table: str) -> tuple[str, int]:
    """The columns selected (the key's first), and how many make the key (none: the whole row)."""
    info = src.db.execute(f"PRAGMA table_info({table})").fetchall()
    key = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    cleared = CLEARED.get(table, frozenset())
    names = key + [r[1] for r in info if r[1] not in key]
    return ", ".join(f'NULL AS "{c}"' if c in cleared else f'"{c}"' for c in names), len(key) or len(names)


def _keyed(rows: Iterable[tuple[Any, ...]], key: int) -> Counter[tuple[bytes, bytes]]:
    return Counter((_hash(row[:key]), _hash(row)) for row in rows)


def differences(src: Store, dst: Store, tables: list[str]) -> list[Difference]:
    """The tables whose rows differ in content between the file and the database (none: a copy)."""
    compared = {t: _columns(src, t) for t in tables if t not in INDEXED}
    sql = {t: f"SELECT {columns} FROM {t}" for t, (columns, _) in compared.items()}
    with _snapshots(src, dst) as (file_rows, database_rows):
        differ = [t for t in compared if _sum(file_rows(sql[t])) != _sum(database_rows(sql[t]))]
        found = []
        for table in differ:
            key = compared[table][1]
            file_side, database_side = (
                _keyed(file_rows(sql[table]), key),
                _keyed(database_rows(sql[table]), key),
            )
            only_file = Counter(k for k, _ in (file_side - database_side).elements())
            only_database = Counter(k for k, _ in (database_side - file_side).elements())
            changed = only_file & only_database
            found.append(
                Difference(
                    table,
                    (only_file - changed).total(),
                    (only_database - changed).total(),
                    changed.total(),
                )
            )
    return found


Rows = Callable[[str], Iterator[tuple[Any, ...]]]


class _snapshots:  # noqa: N801 (a context manager read as a phrase)
    """A read-only snapshot of each: SQLite's read transaction (BEGIN, then ROLLBACK), PostgreSQL's
    REPEATABLE READ, READ ONLY transaction; rows streamed (a server-side cursor)."""

    def __init__(self, src: Store, dst: Store) -> None:
        self.src, self.raw, self.cursors = src, dst.db.raw, 0

    def __enter__(self) -> tuple[Rows, Rows]:
        self.src.db.execute("BEGIN")
        self.transaction = self.raw.transaction()
        self.transaction.__enter__()
        self.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self.file_rows, self.database_rows

    def file_rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        rows = self.src.db.execute(sql)
        try:
            while chunk := rows.fetchmany(2000):
                yield from chunk
        finally:
            rows.close()

    def database_rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        self.cursors += 1
        with self.raw.cursor(name=f"digest_compared_{self.cursors}") as cursor:
            cursor.itersize = 2000
            cursor.execute(sql)
            yield from cursor

    def __exit__(self, *exc: object) -> None:
        try:
            self.transaction.__exit__(*exc)  # read only: committing or rolling back changes nothing
        finally:
            self.src.db.execute("ROLLBACK")


def copy_of(src: Store, dst: Store, first: int = 20) -> bool:
    """Does the database hold a copy of the file at all (another digest's database does not)? One
    of the file's first papers is there, under its id, with its key and the time it was added (one
    merged since, on either side, is gone); without papers, one of its first digests sent, under
    its id, with its Message-ID and time."""
    for sql in (
        "SELECT id, key, added_at FROM papers ORDER BY id LIMIT ?",
        "SELECT id, message_id, sent_at FROM deliveries ORDER BY id LIMIT ?",
    ):
        rows = {tuple(r) for r in src.db.execute(sql, (first,)).fetchall()}
        if rows:
            return bool(rows & {tuple(r) for r in dst.db.execute(sql, (first,)).fetchall()})
    return False


def refuse_other(src: Store, dst: Store, target: str) -> None:
    """A database holding papers or digests that are not the file's (another digest's, one begun
    without it): no copy of it, and none to replace or to be told to keep as the file's copy (said
    before "it has been in use since a copy" or "stop the workers, dropdb and createdb it")."""
    if copy_of(src, dst) or not any(
        dst.db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in ("papers", "deliveries")
    ):
        return
    raise StoreError(
        f"{shown(target)}: the database holds papers or digests that {src.path} never had (none of the "
        "file's first papers is in it): it is no copy of the file but another digest's database (or one "
        f"begun without it); leave it as it is, and {EMPTY}"
    )


def same_columns(src: Store, dst: Store, tables: list[str]) -> bool:
    """Every table compared has the same columns on both sides."""
    found: dict[str, set[str]] = {}
    for table, column in dst.db.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        f"WHERE quote_ident(table_schema) = {TABLES_SCHEMA}"
    ).fetchall():
        found.setdefault(table, set()).add(column)
    return all(
        {r[1] for r in src.db.execute(f"PRAGMA table_info({t})").fetchall()} == found.get(t)
        for t in tables
        if t not in INDEXED
    )


def refuse_copied(src: Store, dst: Store, target: str, tables: list[str]) -> None:
    """`digest db migrate` run again on its own copy: :class:`AlreadyCopied` if every table's rows
    are the same in content and no worker has used it; if rows differ (workers or not), what each
    side holds that the other does not, and what to do without losing either's. Workers seen and
    every row the same: refuse_unless_empty names them (a new copy in its place loses nothing)."""
    if not any(dst.db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in tables):
        return  # empty: the copy is to be made
    if not copy_of(src, dst):
        return
    if not same_columns(src, dst, tables):
        return  # a table or a column made on one side since (`CREATE TABLE my_notes` in the file)
    found = differences(src, dst, tables)
    if not found:
        if dst.db.execute("SELECT 1 FROM workers LIMIT 1").fetchone():
            return
        stats = CollectionStats(dst)
        (left,) = dst.db.execute("SELECT COUNT(*) FROM papers WHERE id > ?", (stats.through,)).fetchone()
        (papers,) = dst.db.execute("SELECT COUNT(*) FROM papers").fetchone()
        indexing = (
            f" ({counted(left, 'paper')} not indexed yet: the workers' first pass indexes them)"
            if left
            else ""
        )
        raise AlreadyCopied(
            f"{shown(target)} is a copy of {src.path} already: every table's rows are the same in both "
            f"({counted(papers, 'paper')}), {NOT_COMPARED}; nothing copied again{indexing}."
        )
    raise StoreError(changed_since(src, target, found))


def changed_since(src: Store, target: str, found: list[Difference]) -> str:
    """The words for a copy whose rows changed since: what each side holds that the other does not,
    and what each way on loses. Which side changed a row (a rating turned, a suppression released,
    a digest sent), nothing in the rows says: a row removed on one side leaves the other holding
    more, so neither is said to be the newer."""

    def rows(n: int, what: str) -> str:
        return f"{n} row{'s' * (n != 1)} {what}" if n else ""

    listed = "; ".join(
        f"{d.table}: "
        + ", ".join(
            filter(
                None,
                (
                    rows(d.changed, "not the same in both"),
                    rows(d.in_file, "only the file holds"),
                    rows(d.in_database, "only the database holds"),
                ),
            )
        )
        for d in found
    )
    return (
        f"{shown(target)}: the database holds a copy of {src.path}, and rows differ since ({listed}): "
        "added, changed or removed on one side or the other, which, nothing in them says. Copied again "
        "(into an empty database: dropdb and createdb it again), the database's rows above would be "
        "replaced by the file's; switched to (`database:` pointing at it), the file's would be left "
        "behind. Nothing was copied; keep the side whose rows are right, and make the other's changes "
        "again there"
    )
