"""A process whose real account is root and effective one another (a setuid wrapper, a service
manager's) has its opens judged by the effective ids; what it says it may write is judged so too
(dbfaults.may_write), not by os.access's real ids, which said root may write everything."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import READING, Workspace, make_dump

ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "06:30"\n'
AS_NOBODY_EFFECTIVE = ("setpriv", "--euid=65534", *READING)  # real uid root, effective nobody


def digest(ws: Workspace, *args: str, before: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*before, sys.executable, "-m", "digest", "--config", str(ws.config_path), *args],
        capture_output=True,
        text=True,
        cwd=ws.root,
        timeout=120,
    )


def as_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")


def test_status_names_an_inbox_its_effective_account_may_not_move_dumps_out_of():
    # Before: inbox.problem asked os.access (root may write), and status said nothing of an
    # inbox that `digest ingest` of the same account could not move a dump out of
    as_root()
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        ws = Workspace(root)
        ws.profile("ada", ADA)
        ws.dump("day.txt", make_dump("Mar 15", [("Neuromorphic Chips", "Spikes.")]))
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(root / "inbox", 0, 0)  # root's, 0755: nobody may not move a dump out of it
        status = digest(ws, "status", before=AS_NOBODY_EFFECTIVE)
        assert status.returncode == 0, status.stderr
        inbox = root / "inbox"
        said = f"Inbox problem:\n  {inbox}: read-only: the dumps read cannot move out of it"
        assert said in status.stdout, status.stdout


def test_migrate_from_a_file_its_effective_account_may_not_write_says_why_with_a_journal_beside():
    # Before: dbcopy._writable asked os.access (root may write): the copy went on to record the
    # journal's messages in a file its opens could not write
    as_root()
    from helpers.killed_pass import killed_pass_journal

    from conftest import postgres_database

    with tempfile.TemporaryDirectory() as name, postgres_database() as url:
        root = Path(name)
        ws = Workspace(root)
        journal = killed_pass_journal(ws.config.database)
        for path in [root, *root.rglob("*")]:
            os.chown(path, 65534, 65534)
        os.chown(ws.config.database, 0, 0)  # root's, 0644: nobody may read it, not write it
        moved = digest(ws, "db", "migrate", "--to", url, before=AS_NOBODY_EFFECTIVE)
        out = moved.stdout + moved.stderr
        assert moved.returncode == 1, out
        assert "delivery is stopped" not in out and "internal error" not in out, out
        assert (
            f"{ws.config.database}: the database file is read-only, and 1 digest the server accepted "
            f"(ada <ada@example.org>) is noted beside it ({journal}) but not recorded in it yet"
        ) in out, out
