"""What the store keeps of the papers' embeddings: one vector per paper and model, made by the
semantic extras (digest.select.ranking) from the paper's title and abstract.

A part of :class:`digest.store.Store` (its base class), kept apart so that each module owns one
thing. A vector is made outside any transaction (the model takes its time), so meanwhile an
ingest may merge its paper into another (deleted: digest.store_papers.merge_paper) or complete
its abstract (its vector deleted, to be made again): such a vector is not kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from digest.db import POSTGRESQL, retrying_conflicts
from digest.files import counted
from digest.store_chunks import in_chunks

log = logging.getLogger(__name__)


class PaperEmbeddings:
    """The ``embeddings`` table; the database connection and transactions are the Store's."""

    db: Any  # sqlite3.Connection, or digest.db.PgConnection that speaks like one
    dialect: str
    readonly: bool

    def keeps_embeddings(self, table: str = "embeddings") -> bool:
        """Whether embeddings made now are kept in ``table`` (``text_embeddings``: the readers'
        texts'): not by a read-only store, nor on PostgreSQL by a role that may not write them (a
        role granted SELECT: it uses them unkept, as CollectionStats its word counts; the papers'
        are kept reading the papers FOR SHARE, which asks UPDATE of them too). Asked, not tried: a
        refused write ends the transaction with an error."""
        if self.readonly:
            return False
        if self.dialect != POSTGRESQL:
            return True
        asked = [(table, "INSERT"), (table, "UPDATE")] + [("papers", "UPDATE")] * (table == "embeddings")
        may = " AND ".join(f"has_table_privilege('{t}', '{what}')" for t, what in asked)
        return bool(self.db.execute(f"SELECT {may}").fetchone()[0])

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def embeddings(self, model: str, ids: Iterable[int]) -> dict[int, bytes]:
        """Stored embeddings (raw float32 bytes) of these papers for ``model``."""
        wanted = list(ids)
        found: dict[int, bytes] = {}
        for chunk, marks in in_chunks(wanted):
            rows = self.db.execute(
                f"SELECT paper_id, vector FROM embeddings WHERE model = ? AND paper_id IN ({marks})",
                (model, *chunk),
            )
            found.update((pid, bytes(vec)) for pid, vec in rows)
        return found

    def save_embeddings(
        self,
        model: str,
        vectors: dict[int, tuple[int, bytes]],
        texts: Mapping[int, tuple[str, str]] | None = None,
    ) -> int:
        """Keep embeddings ``{paper_id: (dims, float32 bytes)}``, in one transaction, of the
        papers still stored and (``texts``: the title and abstract each was made from) still
        saying that; returns how many were kept. The others are left to be made again from the
        paper as it is now, if it is. A transaction PostgreSQL ends to undo a deadlock (with an
        ingest updating the papers) is tried again after a short pause, up to :data:`CONFLICT_TRIES`
        times (digest.db.retrying_conflicts)."""
        return retrying_conflicts(
            lambda: self._save_embeddings(model, vectors, texts),
            f"saving the embeddings of {len(vectors)} papers",
            "saved again",
        )

    def _save_embeddings(
        self, model: str, vectors: dict[int, tuple[int, bytes]], texts: Mapping[int, tuple[str, str]] | None
    ) -> int:
        ids = sorted(vectors)
        # On PostgreSQL the papers are read under a share lock: a merge or an update of one under
        # way is waited for (then a deleted paper is not found, an updated one found as it is
        # now), and none starts before this commits. SQLite's BEGIN IMMEDIATE did the same.
        lock = " ORDER BY id FOR SHARE" if self.dialect == POSTGRESQL else ""
        with self.transaction() as db:
            now: dict[int, tuple[str, str]] = {}
            for chunk, marks in in_chunks(ids):
                sql = f"SELECT id, title, abstract FROM papers WHERE id IN ({marks}){lock}"
                rows = db.execute(sql, chunk).fetchall()
                now.update((r[0], (r[1], r[2])) for r in rows)
            kept = [pid for pid in ids if pid in now and (texts is None or texts.get(pid) == now[pid])]
            db.executemany(
                "INSERT INTO embeddings (paper_id, model, dims, vector) VALUES (?,?,?,?) "
                "ON CONFLICT (paper_id, model) DO UPDATE SET dims = excluded.dims, vector = excluded.vector",
                [(pid, model, *vectors[pid]) for pid in kept],
            )
        if len(kept) < len(ids):
            lost = len(ids) - len(kept)
            log.info(
                "%s not kept: %s merged or changed while %s made (made again from the paper as it is now)",
                counted(lost, "embedding"),
                *(("its paper was", "it was") if lost == 1 else ("their papers were", "they were")),
            )
        return len(kept)
