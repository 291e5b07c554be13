"""A pass killed after the server accepted ada's queued digest: its journal left beside the database,
the acceptance noted but not recorded (killed_pass_journal)."""

from __future__ import annotations

import os
from pathlib import Path

from digest.deliver.journal import Journal
from digest.deliver.outbox import Outbox
from digest.deliver.unrecorded import Accepted
from digest.store import Store

from conftest import NOW


def killed_pass_journal(database: Path) -> Path:
    """ada's digest queued, and a pass's journal saying the server accepted it (the pass killed)."""
    with Store(database) as store:
        outbox = Outbox(store)
        with store.transaction():
            oid = outbox.enqueue(
                user="ada", recipient="ada@example.org", message_id="<m@x>", subject="s",
                mime=b"Subject: s\r\n\r\nbody\r\n", paper_ids=[], now=NOW,
            )  # fmt: skip
        journal = Journal.open(store)
        journal.note(Accepted(oid, "ada", "ada@example.org", "250 OK", NOW))
        os.close(journal.fd)
    return journal.path
