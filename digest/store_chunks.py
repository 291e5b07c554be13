"""A query over many keys (``... WHERE user IN (?,?,…)``) run one chunk of keys at a time.

Why a chunk: one statement takes a bounded number of parameters. SQLite's bound
(SQLITE_MAX_VARIABLE_NUMBER, "too many SQL variables" past it) is 32766 by default since 3.32
(999 before), and the store needs SQLite 3.35 or newer anyway (its claims use ``RETURNING``;
Python 3.11 itself takes SQLite from 3.7.15), so 32766 unless a build sets it otherwise (Debian's
libsqlite3, as here: 250000). PostgreSQL's is 65535 per statement (the protocol counts them in 16
bits; psycopg: "number of parameters must be between 0 and 65535"). A query over every reader or
every paper can pass either bound, so it goes one chunk at a time.

Why 500, far below both: no statement (its text, its parameters, its plan) grows with the number of
readers or papers asked about, and 500 keys leave room for a query's other parameters under any of
these bounds. The chunks share whatever transaction their caller runs them in: one for them all
(digest.deliver.outbox's retry_now; digest.daemon.notes' rows, locked together), none (a read), or
one a chunk (the daemon's reader claims, digest.daemon.claims).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

IN_CHUNK = 500  # keys in one statement's IN (…)

_K = TypeVar("_K")


def in_chunks(keys: Sequence[_K], size: int = IN_CHUNK) -> Iterator[tuple[list[_K], str]]:
    """``keys`` in their order, ``size`` at a time (none for no keys; the last chunk the rest), each
    chunk with its placeholders (``?,?,?``) for the query's ``IN (…)``. The caller runs its own
    statement per chunk, in its own transaction(s): this only cuts."""
    for start in range(0, len(keys), size):
        chunk = list(keys[start : start + size])
        yield chunk, ",".join("?" * len(chunk))
