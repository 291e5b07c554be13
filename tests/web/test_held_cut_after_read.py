"""A read on `digest serve`'s held PostgreSQL connection (digest.web.held) that takes
HELD_READ_LIMIT is cut by a timer: its socket shut down. The timer looked whether the read had
ended, then dup'd the socket and shut it down, with nothing shared with the read's end: a read
ending as the limit came could be cut after it had ended, the shutdown then landing on the next
read's connection (or on another socket, had the held Store been closed and its descriptor's number
taken meanwhile). With a log handler taking 5 ms a line (a log on a slow disk) between the look and
the shutdown, 500 reads of about the limit each: "cuts 291, after their read had ended 195". The
look, the dup, the shutdown and the read's end now hold one lock."""

from __future__ import annotations

import logging
import random
import time

import pytest

from digest.store import Store
from digest.web import held

from conftest import postgres_database

pytestmark = pytest.mark.backends


class SlowLog(logging.Handler):
    """A log handler taking 5 ms a "cut" line; tells each cut made once the read it was for had ended."""

    def __init__(self, reads: list[bool]) -> None:
        super().__init__()
        self.reads, self.cuts, self.late = reads, 0, 0

    def emit(self, record: logging.LogRecord) -> None:
        if "cut" not in record.getMessage():
            return
        self.cuts += 1
        at = len(self.reads)
        time.sleep(0.005)
        if len(self.reads) != at or not self.reads[-1]:  # the socket is shut down next: its read ended?
            self.late += 1


def test_the_timer_never_cuts_a_held_connection_whose_read_has_ended(monkeypatch):
    monkeypatch.setattr(held, "HELD_READ_LIMIT", 0.01)
    reads: list[bool] = []  # one a read: True while it runs
    slow = SlowLog(reads)
    logger = logging.getLogger(held.__name__)
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(slow)

    def at_the_limit(store: Store) -> int:  # ends about as the timer fires
        time.sleep(held.HELD_READ_LIMIT + random.uniform(-0.001, 0.001))
        return store.db.execute("SELECT 1").fetchone()[0]

    try:
        with postgres_database() as url:
            Store(url).close()  # its schema made
            try:
                for _ in range(500):
                    reads.append(True)
                    assert held.read(url, at_the_limit) == 1
                    reads[-1] = False
            finally:
                held._drop(held._held(str(url), False))
    finally:
        logger.removeHandler(slow)
    assert slow.cuts > 0, "no read was cut: the test did not reach the limit"
    assert slow.late == 0, f"{slow.late} of {slow.cuts} cuts were made after their read had ended"
