"""digest.store_chunks.in_chunks: a query over many keys (``... IN (?,?,…)``) is run 500 keys at a
time (SQLite builds before 3.32 refuse more than 999 parameters in a statement; on PostgreSQL one
statement per chunk too). Every key is asked exactly once, in the caller's order, whatever the
number of keys: none, one, a full chunk, a full chunk and one, and two full chunks and one, against
a real table on each database."""

from __future__ import annotations

import pytest

from digest.store import Store
from digest.store_chunks import IN_CHUNK, in_chunks

pytestmark = pytest.mark.backends

SIZES = {0: [], 1: [1], 500: [500], 501: [500, 1], 1001: [500, 500, 1]}


def test_every_row_is_found_once_whatever_the_number_of_keys(db_at):
    with Store(db_at) as store:
        with store.transaction() as db:
            db.execute("CREATE TABLE chunked (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            db.executemany(
                "INSERT INTO chunked (id, name) VALUES (?, ?)", [(i, f"n{i}") for i in range(1, 1202)]
            )
        for count, sizes in SIZES.items():
            keys = list(range(count, 0, -1))  # not the table's order: the caller's is kept
            found: list[int] = []
            cut = []
            for chunk, marks in in_chunks(keys):
                cut.append(len(chunk))
                assert marks == ",".join(["?"] * len(chunk))
                sql = f"SELECT id FROM chunked WHERE name <> ? AND id IN ({marks}) ORDER BY id DESC"
                found += [row[0] for row in store.db.execute(sql, ("none", *chunk)).fetchall()]
            assert cut == sizes
            assert found == keys  # each row once, none missed


def test_a_chunk_is_a_list_of_the_keys_given_in_order_of_any_sequence():
    assert IN_CHUNK == 500
    assert list(in_chunks(("a", "b", "c"), size=2)) == [(["a", "b"], "?,?"), (["c"], "?")]
    assert list(in_chunks(range(3))) == [([0, 1, 2], "?,?,?")]
    assert list(in_chunks([])) == []
