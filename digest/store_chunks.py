"""A query over many keys (``... WHERE user IN (?,?,…)``) run one chunk of keys at a time.

Why a chunk, and why 500: SQLite builds before 3.32 refuse a statement of more than 999 host
parameters ("too many SQL variables"), and 500 keys leave room for a query's other parameters;
on PostgreSQL one statement per chunk too, so that no statement (its text, its parameters, its
plan) grows with the number of readers or papers asked about.
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
