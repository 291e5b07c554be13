"""Migration 17 -> 18, on SQLite and PostgreSQL: the archive's word counts made when the matcher
read a Turkish capital dotted I ("İstanbul") as "i" + U+0307 are emptied and made again as it
reads it now ("istanbul"); a store with no such letter keeps its counts."""

from __future__ import annotations

import pytest
from helpers.version_17 import add_indexed_paper, version_17

from digest.select.collection import CollectionStats
from digest.store import SCHEMA_VERSION, Store

pytestmark = pytest.mark.backends


def test_word_counts_made_with_the_old_fold_of_a_dotted_capital_i_are_made_again(db_at):
    db = version_17(db_at)
    add_indexed_paper(db, "traffic in istanbul", "Traffic in İstanbul")
    db.close()
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        for table in ("collection_state", "term_stats", "acronyms"):
            assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,)
        stats = CollectionStats(store)
        assert stats.refresh() == 1
        assert (stats.df("istanbul"), stats.df("i\u0307stanbul")) == (1, 0)


def test_a_store_without_a_dotted_capital_i_keeps_its_word_counts(db_at):
    db = version_17(db_at)
    pid = add_indexed_paper(db, "traffic in istanbul", "Traffic in Istanbul")
    db.close()
    with Store(db_at) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.db.execute("SELECT through, papers FROM collection_state").fetchall() == [(pid, 1)]
        assert store.db.execute("SELECT COUNT(*) FROM term_stats").fetchone() == (1,)
