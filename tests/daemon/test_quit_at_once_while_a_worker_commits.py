"""A second SIGTERM (or Ctrl-C) while a connection's thread records its message's result (its
commit waiting for the database): `digest send` quits at once, and that result is recorded once,
by the thread that had it, not a second time by the quitting command (before, the command took
the results the thread still held and recorded them again once the thread's commit was made: the
message counted two attempts, two rows in its history, its deferral said twice). A real process,
a real SMTP server on loopback that defers each message, the database's write lock (SQLite), or a
lock on the attempts' table (PostgreSQL), held by this test while the first deferral is recorded."""

from __future__ import annotations

import datetime as dt
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers.send_process import digest, said_until, workspace

from digest.deliver.data_lost import answer_lost
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

pytestmark = pytest.mark.backends

DEFERRED = "451 4.3.0 Try again later"


@dataclass
class DeferringLocked:
    """Defers every message's data; before the first answer, takes the write lock of ``database``
    (SQLite's; on PostgreSQL, the attempts' table's), so the connection that records the deferral
    waits inside its commit, and keeps it until ``release`` is set; ``locked`` is set then."""

    database: str
    answered: int = 0
    locked: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.answered += 1
        if self.answered == 1:
            threading.Thread(target=self._hold, daemon=True).start()
            self.locked.wait(30)
        return DEFERRED

    def _hold(self) -> None:
        if self.database.startswith("postgresql://"):
            import psycopg

            db: Any = psycopg.connect(self.database)  # a transaction begun by its first statement
            db.execute("LOCK TABLE attempts IN SHARE MODE")
        else:
            db = sqlite3.connect(self.database, isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
        self.locked.set()
        self.release.wait(120)
        db.rollback() if self.database.startswith("postgresql://") else db.execute("ROLLBACK")
        db.close()


def test_a_second_sigterm_while_a_connection_records_its_result_records_it_once(database, db_at, tmp_path):
    readers = ["ada", "bob", "cy", "dan"]
    send_at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime("%H:%M")
    handler = DeferringLocked(str(db_at))
    with LocalSmtpServer(handler) as server:
        ws = workspace(tmp_path, server, database, readers, f'send_at: "{send_at}"\n', connections=2)
        assert ws.cli("ingest").exit_code == 0
        command = digest(ws, "send")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert handler.locked.wait(60), "no message reached the server"
            process.send_signal(signal.SIGTERM)
            said = said_until(process, "stopping")
            process.send_signal(signal.SIGTERM)  # the connection still inside its commit
            # the command quits meanwhile, its connection still waiting for the database: nothing
            # of that shows from here (it says nothing until it ends), so it is given a moment
            time.sleep(1)
            handler.release.set()
            out, err = process.communicate(timeout=60)
        finally:
            handler.release.set()
            if process.poll() is None:
                process.kill()
                process.wait()
        err = said + err
        assert process.returncode == 143, (out, err)
    with Store(db_at) as store:
        tried = store.db.execute(
            "SELECT id, user, status, attempts FROM outbox WHERE attempts > 0 ORDER BY id"
        ).fetchall()
        history = store.db.execute("SELECT outbox_id, reply FROM attempts ORDER BY outbox_id, at").fetchall()
    assert tried, (out, err)  # the deferral the connection was recording, at least
    for id_, user, status, attempts in tried:
        replies = [reply for of, reply in history if of == id_]
        assert status == "queued" and attempts == len(replies), (tried, history, err)
        # recorded once: not its deferral twice (a message whose answer had not come when the
        # command quit is recorded as its answer lost, not as a deferral coming later as well:
        # tests/deliver/test_late_answer_after_quit.py)
        assert replies.count(DEFERRED) <= 1, (history, err)
        assert all(r == DEFERRED or answer_lost(r) for r in replies), (history, err)
        deferred = f"digest to {user} <{user}@example.org> deferred until "  # said once at most (the
        assert sum(deferred in line for line in err.splitlines()) <= 1, err  # command may end first)
