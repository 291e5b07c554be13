"""The note of digests the server accepted but the database could not record names each by its
outbox id. A database replaced meanwhile (a fresh one, a copy restored) numbers its messages from 1
again: the next `digest send` recorded as sent ("recorded 1 digest(s) the server had accepted
before delivery stopped") the message now at that id, bob's digest, queued and never sent, so bob
never got it. A message is recorded only if it is its reader's, as the note has it (and has the
noted Message-ID: test_unrecorded_message_id)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.store import Store

from conftest import NOW, Workspace

AT = NOW - dt.timedelta(days=1)  # when the server accepted ada's digest


def queued(database: Path, user: str, made: dt.datetime) -> int:
    with Store(database) as store, store.transaction():
        return Outbox(store).enqueue(
            user=user, recipient=f"{user}@example.org", message_id=f"<{user}-{made:%s}@example.org>",
            subject="digest", mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=made,
        )  # fmt: skip


def test_a_note_does_not_record_another_readers_message_at_its_number(tmp_path):
    ws = Workspace(tmp_path, 2525)
    ws.profile("dan", "email: dan@example.org\ninterests: [robotics]\n")
    database = ws.config.database
    ada = queued(database, "ada", AT - dt.timedelta(minutes=5))
    note = Unrecorded(database)
    note.lasting = True
    assert note.add([Accepted(ada, "ada", "ada@example.org", "250 OK", AT)])
    Path(database).unlink()  # the database replaced; the note beside it stays
    other = queued(database, "bob", NOW)
    assert other == ada
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
    sent = subprocess.run(command, capture_output=True, text=True, timeout=120)
    with Store(database) as store:
        status = Outbox(store).get(other).status
    assert status == QUEUED, sent.stderr  # was: sent, never sent ("recorded 1 digest(s) ...")
    assert "is not in the outbox of" in sent.stderr and "another message at its number" in sent.stderr
