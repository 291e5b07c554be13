"""A transaction PostgreSQL ended to undo a deadlock is tried again after a pause, not at once
(digest.db.retrying_conflicts): the transaction PostgreSQL let go on was woken when this one
ended, but takes the row it waited for only once its process runs. Tried at once, on a busy
machine, this one took the row first and made the same deadlock again, until its tries ran out
(an embeddings save failed so, 1 run in 20 of tests/ingest/test_merge_races.py)."""

from __future__ import annotations

import psycopg
import pytest

from digest.db import CONFLICT_PAUSE, CONFLICT_TRIES, conflict_pause, retrying_conflicts


def failing(times: int, error: Exception):
    """A transaction that fails ``times`` times with ``error``, then returns "stored"."""
    tries: list[int] = []

    def transaction() -> str:
        tries.append(1)
        if len(tries) <= times:
            raise error
        return "stored"

    return transaction, tries


def test_a_transaction_ended_by_a_deadlock_is_tried_again_after_a_pause_that_grows():
    transaction, tries = failing(2, psycopg.errors.DeadlockDetected("deadlock detected"))
    pauses: list[float] = []
    assert retrying_conflicts(transaction, "storing", pause=pauses.append) == "stored"
    assert len(tries) == 3
    assert len(pauses) == 2  # one before each try again, none before the first
    assert CONFLICT_PAUSE <= pauses[0] <= 2 * CONFLICT_PAUSE
    assert 2 * CONFLICT_PAUSE <= pauses[1] <= 4 * CONFLICT_PAUSE


def test_a_serialization_failure_is_tried_again_too_and_the_last_try_s_error_is_raised():
    error = psycopg.errors.SerializationFailure("could not serialize access")
    transaction, tries = failing(CONFLICT_TRIES, error)
    pauses: list[float] = []
    with pytest.raises(psycopg.errors.SerializationFailure):
        retrying_conflicts(transaction, "storing", pause=pauses.append)
    assert len(tries) == CONFLICT_TRIES
    assert len(pauses) == CONFLICT_TRIES - 1  # no pause after the last try


def test_any_other_database_error_is_raised_at_once_without_a_pause():
    transaction, tries = failing(1, psycopg.errors.UniqueViolation("duplicate key"))
    pauses: list[float] = []
    with pytest.raises(psycopg.errors.UniqueViolation):
        retrying_conflicts(transaction, "storing", pause=pauses.append)
    assert len(tries) == 1 and pauses == []


def test_the_pauses_stay_short():
    # all the pauses of a transaction that fails every try: under two seconds in all
    assert sum(conflict_pause(a) for a in range(1, CONFLICT_TRIES)) < 2.0
