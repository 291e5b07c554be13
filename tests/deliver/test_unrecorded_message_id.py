"""The note of digests the server accepted but the database could not record (the file beside the
database, and a pass's journal) names each digest by its outbox id, its reader and recipient, and
its Message-ID. A database replaced meanwhile (a fresh one, a copy restored) numbers its messages
from 1 again: with no Message-ID in the note, the same reader's next digest at that id, queued and
never sent, was recorded as sent ("recorded 1 digest(s) the server had accepted before delivery
stopped"): ada never got it. Only the message with the noted Message-ID is recorded now; a note
written before it carried one (left over an upgrade) is recorded as before, by reader."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.db import DatabaseUrl
from digest.deliver.accepted import record_accepted
from digest.deliver.journal import Journal, read, replay
from digest.deliver.outbox import QUEUED, SENT, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.store import Store

from conftest import NOW, Workspace

pytestmark = pytest.mark.backends

AT = NOW - dt.timedelta(days=1)  # when the server accepted ada's first digest


def queued(store: Store, message_id: str, made: dt.datetime = NOW) -> int:
    with store.transaction():
        return Outbox(store).enqueue(
            user="ada", recipient="ada@example.org", message_id=message_id, subject="digest",
            mime=b"Subject: digest\r\n\r\nhello\r\n", paper_ids=[], now=made,
        )  # fmt: skip


def entry(outbox_id: int, message_id: str | None) -> dict:
    """A note's entry as written: without "message_id", as a release before wrote it."""
    item = {"outbox_id": outbox_id, "user": "ada", "recipient": "ada@example.org", "reply": "250 OK"}
    item |= {"at": AT.isoformat()} | ({} if message_id is None else {"message_id": message_id})
    return item


def test_a_note_does_not_record_the_same_readers_next_digest_at_its_number(tmp_path):
    """A real `digest send` after the database was replaced (SQLite: the file removed)."""
    ws = Workspace(tmp_path, 2525)
    ws.profile("dan", "email: dan@example.org\ninterests: [robotics]\n")
    database = ws.config.database
    with Store(database) as store:
        first = queued(store, "<ada-1@example.org>", AT - dt.timedelta(minutes=5))
    note = Unrecorded(database)
    note.path.write_text(json.dumps([entry(first, "<ada-1@example.org>")]))
    Path(database).unlink()  # the database replaced; the note beside it stays
    with Store(database) as store:
        assert queued(store, "<ada-2@example.org>") == first  # ada's next digest, at the same number
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
    sent = subprocess.run(command, capture_output=True, text=True, timeout=120)
    with Store(database) as store:
        status = Outbox(store).get(first).status
    assert status == QUEUED, sent.stderr  # was: sent, never sent ("recorded 1 digest(s) ...")
    assert "another message at its number" in sent.stderr  # one digest (was "their", of "1 digest(s)")
    assert not note.path.exists()


def test_the_note_records_only_the_message_with_its_message_id(tmp_path, database):
    at = DatabaseUrl(database, tmp_path) if database.startswith("postgresql") else tmp_path / database
    with Store(at) as store:
        mine, other = queued(store, "<ada-1@example.org>"), queued(store, "<ada-2@example.org>")
        note = Unrecorded(at)
        # mine as this release notes it, the other noted with the Message-ID of a message of another database
        note.path.write_text(
            json.dumps([entry(mine, "<ada-1@example.org>"), entry(other, "<ada-0@example.org>")])
        )
        record_accepted(Outbox(store), Unrecorded(at), sending=False)
        assert Outbox(store).get(mine).status == SENT
        assert Outbox(store).get(other).status == QUEUED  # was: sent


def test_a_note_written_without_message_ids_is_still_recorded(tmp_path, database):
    """A note an earlier release left (over an upgrade): recorded by reader, as then."""
    at = DatabaseUrl(database, tmp_path) if database.startswith("postgresql") else tmp_path / database
    with Store(at) as store:
        mine = queued(store, "<ada-1@example.org>")
        note = Unrecorded(at)
        note.path.write_text(json.dumps([entry(mine, None)]))
        assert note.entries()[0].message_id == ""
        record_accepted(Outbox(store), Unrecorded(at), sending=False)
        assert Outbox(store).get(mine).status == SENT


def test_the_note_and_the_journal_keep_the_message_id(tmp_path, database):
    at = DatabaseUrl(database, tmp_path) if database.startswith("postgresql") else tmp_path / database
    accepted = Accepted(1, "ada", "ada@example.org", "250 OK", AT, "<ada-1@example.org>")
    note = Unrecorded(at)
    note.lasting = True
    assert note.add([accepted])
    assert Unrecorded(at).entries() == [accepted]
    if not database.startswith("postgresql"):  # a journal only beside SQLite
        with Store(at) as store:
            journal = Journal.open(store)
            assert journal is not None
            journal.note(accepted)
            journal.close(remove=False)
            assert read(journal.path) == [accepted]


@pytest.mark.sqlite_only
def test_a_journal_records_only_the_message_with_its_message_id(tmp_path):
    with Store(tmp_path / "digest.db") as store:
        mine, other, old = (queued(store, f"<ada-{i}@example.org>") for i in (1, 2, 3))
        journal = Journal.open(store)
        assert journal is not None
        lines = [entry(mine, "<ada-1@example.org>"), entry(other, "<ada-0@example.org>"), entry(old, None)]
        os.write(journal.fd, "".join("\n" + json.dumps(x) for x in lines).encode())
        journal.close(remove=False)
        assert replay(Outbox(store)) == 2
        statuses = [Outbox(store).get(i).status for i in (mine, other, old)]
        assert statuses == [SENT, QUEUED, SENT]  # was: all three sent
