"""`digest profile set ada paused false` lifts ada's suppression (an unsubscribe kept in the
database) before it writes her file, in one transaction with the write: while another session
holds her suppression the file is as it was, and once it is let go both are done. Was: the file
written first ("paused is false for ada; saved ..."), then, under a database held longer than the
wait (SQLite's 30 s), "error: ... the database stayed locked ...": the file unpaused, the
unsubscribe still kept, no digest to her. A real `digest` process on PostgreSQL, a second real
session holding her row (FOR UPDATE)."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest
from helpers.pg_waits import waiting_for_a_lock
from helpers.suppression_locked import HANG, SHORTER, digest_waiting_2_s, given_up

from digest.db import is_postgres
from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [robotics]\npaused: true\n"


def test_unpausing_writes_the_file_only_once_the_unsubscribe_is_lifted(workspace, database):
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is 30 s)")
    path = workspace.profile("ada", ADA)
    with Store(workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)  # a one-click while her file was broken
    other = psycopg.connect(str(database))  # another session, in a transaction holding her row
    try:
        assert other.execute("SELECT * FROM suppressions WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
        command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
        proc = subprocess.Popen(
            [*command, "profile", "set", "ada", "paused", "false"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + HANG
        while not waiting_for_a_lock(str(database)):  # the command has come to the lift
            assert time.monotonic() < deadline and proc.poll() is None, proc.stdout and proc.stdout.read()
            time.sleep(0.05)
        assert path.read_text() == ADA  # not written while the unsubscribe is not lifted
    finally:
        other.rollback()
        other.close()
    out, _ = proc.communicate(timeout=HANG)
    assert proc.returncode == 0, out
    assert out.splitlines() == [
        f"paused is false for ada; saved {path}",
        "ada is no longer suppressed: digests go to them again",
    ]
    assert path.read_text().endswith("paused: false\n")
    with Store(workspace.config.database) as store:
        assert Suppressions(store).unsubscribed("ada") is None


def test_a_suppression_held_longer_than_the_wait_is_said_with_who_holds_it(workspace, database):
    """Held past the wait (30 s, SQLite's busy timeout; here the operator's shorter one), the
    command gives up, the file as it was, and says who holds the row and what to do. Before, on
    PostgreSQL (no lock_timeout) it waited as long as the row was held, saying nothing (still
    waiting after 60 s)."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is test_locked_store's)")
    path = workspace.profile("ada", ADA)
    with Store(workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
        Suppressions(store).unsubscribe("bob", NOW)
    # sessions in a transaction that do not hold ada's row, begun first: one that read the table,
    # one holding bob's row (before, each said as a holder of hers too)
    reader = psycopg.connect(str(database), application_name="a reader")
    bobs = psycopg.connect(str(database), application_name="holding bob")
    other = psycopg.connect(str(database), application_name="held by the test")
    try:
        assert reader.execute("SELECT count(*) FROM suppressions").fetchall()
        assert bobs.execute("SELECT * FROM suppressions WHERE \"user\" = 'bob' FOR UPDATE").fetchall()
        assert other.execute("SELECT * FROM suppressions WHERE \"user\" = 'ada' FOR UPDATE").fetchall()
        holder = other.info.backend_pid
        done = digest_waiting_2_s(workspace, "profile", "set", "ada", "paused", "false")
    finally:
        for session in (other, bobs, reader):
            session.rollback()
            session.close()
    said = given_up(done, "ada", holder)
    assert said.count("pid ") == 1, said  # hers alone: not the reader's, nor bob's holder
    assert (
        "idle in transaction since " in said
        and " UTC); nothing was changed: wait for it to end its transaction (commit or roll back) and try "
        "again (canceling statement due to lock timeout)"
        in said
    ), said
    assert path.read_text() == ADA  # not written: the unsubscribe not lifted
    with Store(workspace.config.database) as store:
        assert Suppressions(store).unsubscribed("ada") is not None


def test_a_release_of_a_suppression_held_longer_than_the_wait_is_said_with_who_holds_it(workspace, database):
    """`digest suppressed --release` gives up as `digest profile set ... paused false` does, nothing
    released. Before, on PostgreSQL, it waited as long as the row was held, saying nothing."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is test_locked_store's)")
    with Store(workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
        Suppressions(store).unsubscribe("bob", NOW)
    other = psycopg.connect(str(database), application_name="held by the test")
    try:
        assert other.execute("SELECT * FROM suppressions WHERE \"user\" = 'bob' FOR UPDATE").fetchall()
        holder = other.info.backend_pid
        done = digest_waiting_2_s(workspace, "suppressed", "--release", "ada", "--release", "bob")
    finally:
        other.rollback()
        other.close()
    said = given_up(done, "bob", holder)
    assert "; nothing was changed: wait for it to end its transaction" in said, said
    assert "released" not in done.stdout, done.stdout
    with Store(workspace.config.database) as store:  # all or none: ada's kept too
        assert [s.user for s in Suppressions(store).all()] == ["ada", "bob"]


def test_a_lift_waits_30_s_at_most_in_its_own_transaction_or_the_operators_shorter_bound(workspace, database):
    """The lift's lock_timeout: 30 s, or the session's own if shorter (a role's or database's
    setting, PGOPTIONS'), in the lift's transaction only: the connection's next statements keep
    the session's. Before, the operator's 2 s was made 30 s (said "for 30 s")."""
    if not is_postgres(database):
        pytest.skip("lock_timeout: PostgreSQL's")
    with Store(workspace.config.database) as store:
        for own, inside in (("0", "30s"), ("2s", "2s"), ("1min", "30s")):
            store.db.execute(f"SET lock_timeout = '{own}'")
            Suppressions(store).unsubscribe("ada", NOW)
            with Suppressions(store).releasing("ada") as found:
                assert found
                assert store.db.execute("SHOW lock_timeout").fetchone()[0] == inside, own
            assert store.db.execute("SHOW lock_timeout").fetchone()[0] == own
            assert Suppressions(store).release_all(["ada"]) == ["ada"]  # none left: its own transaction
            assert store.db.execute("SHOW lock_timeout").fetchone()[0] == own


def test_a_suppression_two_sessions_hold_for_share_names_both(workspace, database):
    """Two sessions holding her suppression FOR SHARE (its xmax one multixact of both, not either's
    transaction id): both named. Was: "a session that may have ended since"."""
    if not is_postgres(database):
        pytest.skip("a row held by another session: PostgreSQL (SQLite's wait is test_locked_store's)")
    path = workspace.profile("ada", ADA)
    with Store(workspace.config.database) as store:
        Suppressions(store).unsubscribe("ada", NOW)
    sharers = [psycopg.connect(str(database), application_name=f"sharer {n}") for n in (1, 2)]
    first, second = sorted(s.info.backend_pid for s in sharers)
    try:
        for session in sharers:
            assert session.execute("SELECT * FROM suppressions WHERE \"user\" = 'ada' FOR SHARE").fetchall()
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(workspace.config_path)]
            + ["profile", "set", "ada", "paused", "false"],
            capture_output=True,
            env=SHORTER,
            text=True,
            timeout=HANG,
        )
    finally:
        for session in sharers:
            session.rollback()
            session.close()
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"ada's suppression stayed locked by another session for 2 s (held by pid {first}, application "
        in said
    )
    assert f"; pid {second}, application 'sharer " in said, said
    assert said.count("pid ") == 2, said
    assert path.read_text() == ADA  # not written: the unsubscribe not lifted
