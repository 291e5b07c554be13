"""The results a pass with a journal (digest.deliver.journal) noted there and has not recorded
yet: taken by the calling thread to record in batches (:func:`take_noted`), recorded at the
pass's end (:func:`record_noted`), and the journals of connections still running then closed once
they end (:func:`close_left`)."""

from __future__ import annotations

import threading

from digest.deliver.commits import commit
from digest.deliver.journal import Journal
from digest.deliver.lines import Held, Pass


def take_noted(run: Pass) -> list[Held]:
    """The results noted in the journal and not recorded yet (they are the caller's now)."""
    with run.noted_lock:
        noted, run.noted = run.noted, []
    return noted


def record_noted(run: Pass, threads: list[threading.Thread]) -> None:
    """The pass's end, with a journal: what is noted there recorded, then the journal removed
    (kept if that failed: the next pass records it first; delivery is stopped). A connection
    still running (after an error) may still note a message: its journal then stays open
    until it ends (:func:`close_left`), and the next pass records it."""
    journal = run.journal
    assert journal is not None
    recorded = False
    try:
        noted = take_noted(run)
        if noted or not run.halt.is_set():  # halted: what was noted is said, the journal kept
            commit(run, noted, [])
            recorded = True
    finally:
        if any(t.is_alive() for t in threads):  # it keeps noting in the journal it has
            _LEFT.append((journal, threads))
        else:
            run.journal = None
            journal.close(remove=recorded)


_LEFT: list[tuple[Journal, list[threading.Thread]]] = []  # journals of connections still running


def close_left() -> None:
    """Close the journals whose connections have ended since (their lock with them), so that
    :func:`replay` records them."""
    for left in list(_LEFT):
        journal, threads = left
        if not any(t.is_alive() for t in threads):
            journal.close(remove=False)
            _LEFT.remove(left)
