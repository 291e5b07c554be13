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

from digest.db import is_postgres
from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [robotics]\npaused: true\n"
HANG = 120  # seconds: only a command that hangs takes this long


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
