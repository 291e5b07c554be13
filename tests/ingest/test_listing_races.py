"""Two ingests at once on PostgreSQL (one worker fetching, another ingesting the inbox: two
duties, two advisory locks) adding to the same paper: each reads the stored paper and writes
it back with what its listing adds (digest.store_papers._complete), so the one that wrote last
wrote over what the other had added. They now store their listings one after the other
(Store.add_listing), as SQLite's write lock always had them."""

from __future__ import annotations

import threading

import pytest
from helpers.retitled_paper import MON, OLD, daily_json
from test_merge_races import add, in_thread, waiting

from digest.store import Store

from conftest import make_dump

pytestmark = pytest.mark.backends

CUT, FULL = "Lantern vectors", "Lantern vectors, trending, the abstract in full."


def test_two_ingests_adding_to_one_paper_at_once_keep_what_each_added(workspace):
    ws = workspace
    with Store(ws.config.database) as store:
        add(ws, store, "cut.txt", make_dump("Mar 14", [(OLD, CUT)]), MON)  # no id, its abstract cut
        (paper,) = store.papers()
        with store.transaction() as db:  # an embedding, dropped when the abstract is completed
            db.execute("INSERT INTO embeddings VALUES (?, 'm', 1, ?)", (paper.id, b"\0\0\0\0"))
    held, release = threading.Event(), threading.Event()

    def holding() -> None:  # keeps the completing ingest between its reading and its writing
        with Store(ws.config.database) as other, other.transaction() as db:
            lock = " FOR UPDATE" if other.dialect == "postgresql" else ""
            db.execute(f"SELECT 1 FROM embeddings WHERE paper_id = ?{lock}", (paper.id,)).fetchall()
            held.set()
            release.wait(30)

    holder, errors = in_thread(holding)
    held.wait(30)
    with (
        Store(ws.config.database) as one,
        Store(ws.config.database) as two,
        Store(ws.config.database) as watcher,
    ):
        full = make_dump("Mar 15", [(OLD, FULL)])
        completing, failed = in_thread(lambda: add(ws, one, "full.txt", full, MON))
        waiting(watcher, 1)  # it read the paper, and waits to drop its embedding
        naming, failed_too = in_thread(lambda: add(ws, two, "daily.json", daily_json("2026-03-13"), MON))
        waiting(watcher, 2, unless=naming)  # it ended, or it waits for the first
        release.set()
        for thread in (holder, completing, naming):
            thread.join()
    assert errors == failed == failed_too == []
    with Store(ws.config.database) as store:
        (paper,) = store.papers()
    assert (paper.abstract, paper.arxiv_id, paper.upvotes, paper.authors) == (
        FULL,
        "2603.04040",
        4,
        ("Ines Vale",),
    )
    assert paper.first_seen.isoformat() == "2026-03-13"
