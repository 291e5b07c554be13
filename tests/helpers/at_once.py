"""Two steps at once, each in a thread of its own with a connection of its own, made to meet: the
test holds what both need (rows, or SQLite's write lock) until both wait for it, then lets them go.
With the readers and queued messages the tests of such steps (conflicting commits, claims) take."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable

import pytest

from digest.deliver.outbox import Outbox
from digest.store import Store

from conftest import NOW, Workspace


def started_until(threads: Iterable[threading.Thread], waiting: Callable[[], bool], what: str) -> None:
    """Start ``threads`` and return once ``waiting()`` says they wait for what the test holds; 60 s
    at the most, then fail saying ``what`` never came."""
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not waiting():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


# ada's profile (readers gives each name one with its own address)
ADA = "email: ada@example.org\ninterests: [robotics]\n"
# a message to queue (``{to}``: its recipient)
MIME = b"From: digest@example.org\r\nTo: {to}\r\nSubject: Digest\r\n\r\nPapers.\r\n"


def waiting(watcher: Store, n: int) -> None:
    """Until ``n`` sessions of the test's database wait for a lock (a condition polled, not a time
    waited: the bound only ends a hang)."""
    sql = (
        "SELECT COUNT(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(30000):
        if watcher.db.execute(sql).fetchone()[0] >= n:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"no {n} transactions waiting")


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object], list[BaseException]]:
    """``work`` started on a thread: (the thread, what it returned, what it raised)."""
    done: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            done.append(work())
        except BaseException as e:  # noqa: BLE001 - reported to the test
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, errors


def readers(tmp_path, database: str, names: tuple[str, ...]) -> tuple[Workspace, list[Store]]:
    """A workspace with a profile file for each of ``names`` (abe: the folder never empty, an empty
    one is not looked at), and four connections to its PostgreSQL database (SQLite: skipped, its
    write lock puts two transactions one after the other)."""
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock puts the two one after the other")
    ws = Workspace(tmp_path, 2525, database)
    for name in names:
        ws.profile(name, ADA.replace("ada@", f"{name}@"))
    return ws, [Store(ws.config.database) for _ in range(4)]


LEASE = dt.timedelta(minutes=5)  # the lease of a claim the tests make


def queued(store: Store, users: list[str], for_files: bool = False) -> list[int]:
    """A MIME message queued for each of ``users`` at NOW: the ids due then."""
    outbox = Outbox(store)
    with store.transaction():
        for user in users:
            outbox.enqueue(
                user=user, recipient=f"{user}@example.org", message_id=f"<{user}@example.org>",
                subject="Digest", mime=MIME.replace(b"{to}", f"{user}@example.org".encode()),
                paper_ids=[], now=NOW, for_files=for_files,
            )  # fmt: skip
    return outbox.due_ids(NOW)
