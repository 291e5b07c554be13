"""Messages queued for readers on SQLite, each carrying every one of many papers, and a database
kept from growing (its disk full): for the tests of a message the server took that cannot be
recorded."""

from __future__ import annotations

from digest.deliver.outbox import Outbox
from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, Workspace, make_dump

PAPERS = [(f"Neuromorphic Result {i}", f"An event-driven neuromorphic chip, take {i}.") for i in range(600)]


MIME = b"From: d@example.org\r\nTo: r@example.org\r\nSubject: digest\r\n\r\nhello\r\n"


def setup(tmp_path, port: int, readers: int) -> tuple[Workspace, Store]:
    """A workspace on SQLite and a message queued for each of ``readers`` readers, each with every
    paper."""
    ws = Workspace(tmp_path, port)
    store = Store(ws.config.database)
    ingest(store, [ws.dump("day.txt", make_dump("Mar 14", PAPERS))], NOW)
    ids = [p.id for p in store.papers()]
    outbox = Outbox(store)
    with store.transaction():
        for i in range(readers):  # every message carries all the papers: recording needs pages
            outbox.enqueue(
                user=f"r{i}", recipient=f"r{i}@example.org", message_id=f"<m{i}@example.org>",
                subject="digest", mime=MIME, paper_ids=ids, now=NOW,
            )  # fmt: skip
    return ws, store


def fill(store: Store) -> None:
    """The disk is full: the database may not grow past the pages it has now."""
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
