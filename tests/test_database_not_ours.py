"""A database another account owns, 0644, which this account may only read: a command that writes
says whose it is and its mode, and the cure by case, as the lock's and the -wal's are said. Before,
it was "the database is read-only (or its folder is: SQLite writes -wal and -shm files beside it);
make it writable, or use a reading command (status, rank)", whoever's the file and its folder."""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.listed_as import ADA, digest, listed

from conftest import AS_NOBODY, READING, Workspace, a_minute_ago, make_dump, read_only_file

NOBODY = (*AS_NOBODY, *READING)  # uid and group 65534 (nogroup), reading what root's modes let nobody


@pytest.fixture
def roots_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """root's database (0644) in root's folder (0755), a listing stored in it and not indexed. Not
    under tmp_path, whose parents only root may search: access(2), which tells whether a file may
    be written, is judged without the capability the accounts read them with."""
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")
    with tempfile.TemporaryDirectory() as name:
        ws = Workspace(Path(name))
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))  # found anyway, as tmp_path's (conftest)
        ws.root.chmod(0o755)
        ws.profile("ada", ADA)
        listed(ws, "a.txt", "Neuromorphic Chips", preexec_fn=functools.partial(os.umask, 0o022))
        yield ws


def test_a_database_of_another_account_is_said_with_its_owner_mode_and_cure(roots_database):
    ws = roots_database
    root, database = ws.root, ws.root / "digest.db"
    assert database.stat().st_mode & 0o777 == 0o644  # root's, as its folder is
    day = f"{dt.datetime.now(dt.UTC):%b %d}"
    dump = ws.dump(
        "b.txt", make_dump(day, [("Neuromorphic Vision", "Spikes.")]), where="elsewhere", mtime=a_minute_ago()
    )

    def refused() -> str:
        done = digest(ws, "ingest", str(dump), before=NOBODY)
        assert done.returncode == 1 and "the database is read-only" not in done.stderr, done.stderr
        return " ".join(done.stderr.split())

    said = refused()  # the file and its folder, one owner and group: one cure for both
    assert f"{database}: the database is root's, mode 0644, and its folder is root's, mode 0755, " in said
    assert "which this account may not write (SQLite makes -wal and -shm files beside the database)" in said
    both = f"{root} {database}"
    assert f"give them to one (`chgrp GROUP {both}`, a group this account is in)" in said, said
    assert f"and write access for it (`chmod g+w {both}`), or use a reading command" in said, said

    os.chown(root, 0, 65534)
    root.chmod(0o2775)  # the group's folder: the file alone, of a group nobody is not in
    said = refused()
    assert f"{database}: the database is root's, mode 0644, which this account may not write; " in said
    assert f"its group, root, is not one this account is in: give it to one (`chgrp GROUP {database}`" in said
    os.chown(database, 0, 65534)  # of nobody's group: its write bit
    said = refused()
    assert f"give its group write access (`chmod g+w {database}`; its group, nogroup, is" in said, said
    database.chmod(0o664)  # the cure said
    done = digest(ws, "ingest", str(dump), before=NOBODY)
    assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr


def test_the_cure_asks_only_for_what_the_file_and_its_folder_lack(roots_database):
    # Before: for a database 0664 in a folder 0775, both root's, "give them to one (`chgrp GROUP
    # <folder> <db>`, a group this account is in) and write access for it (`chmod g+w <folder> <db>`)",
    # though both let their group write already
    ws = roots_database
    root, database = ws.root, ws.root / "digest.db"
    both = f"{root} {database}"
    dump = ws.dump(
        "b.txt",
        make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Vision", "S.")]),
        mtime=a_minute_ago(),
    )

    def refused() -> str:
        done = digest(ws, "ingest", str(dump), before=NOBODY)
        assert done.returncode == 1, done.stderr
        return " ".join(done.stderr.split())

    database.chmod(0o664)
    root.chmod(0o775)
    said = refused()
    assert "the database is root's, mode 0664, and its folder is root's, mode 0775, " in said, said
    given = f"give them to one (`chgrp GROUP {both}`, a group this account is in"
    assert f"{given}; their modes let their group write already), or use a reading command" in said, said
    assert "chmod" not in said, said
    root.chmod(0o755)  # the folder alone lacks the group's write bit
    assert f"{given}) and write access for it (`chmod g+w {root}`), or use" in refused()
    root.chmod(0o775)
    database.chmod(0o644)  # the file alone
    assert f"{given}) and write access for it (`chmod g+w {database}`), or use" in refused()
    database.chmod(0o664)
    os.chown(root, 0, 65534)  # the cure said first: nobody's group (nogroup), whose write bits they have
    os.chown(database, 0, 65534)
    done = digest(ws, "ingest", str(dump), before=NOBODY)
    assert done.returncode == 0 and "1 new paper" in done.stdout, done.stderr


def test_status_on_a_database_it_may_only_read_says_what_indexing_the_papers_needs(roots_database):
    # Before: "next digests not counted: ...digest.db: the database is read-only (...); make it
    # writable, or use a reading command (status, rank)", to one who had just run `digest status`:
    # counting the next digests needs the papers stored since the last indexing indexed (written)
    ws = roots_database
    shown = digest(ws, "status", before=NOBODY)
    said = " ".join(shown.stderr.split())
    assert shown.returncode == 0 and "Papers stored: 2" in shown.stdout, shown.stderr
    assert f"next digests not counted: {ws.root / 'digest.db'}: the database is root's, mode 0644, " in said
    assert "and its folder is root's, mode 0755, which this account may not write (SQLite makes" in said
    assert "beside the database), and the papers stored since it was last indexed must be" in said
    assert "indexed (written) before anything is ranked; index them through an account that may" in said
    assert "(the daemon's next pass, or `digest status`, `digest send` or this command run so)" in said
    # before: "then run this again, or their group, root, is not one this account is in: give them to one"
    cure = "then run this again; to let this account write it instead: their group, root, is not one this"
    assert cure in said, said
    assert "use a reading command" not in said, said
    assert digest(ws, "status").returncode == 0  # root's, which indexes them
    shown = digest(ws, "status", before=NOBODY)
    assert shown.returncode == 0 and not shown.stderr, shown.stderr


def test_a_database_file_mounted_read_only_is_said_so_not_given_a_chmod(tmp_path):
    """The file alone mounted read-only (a container's `-v ./digest.db:/data/digest.db:ro`), its
    folder writable: `digest send` said "the database is root's, mode 0644, which this account may
    not write; give it write access (`chmod u+w …`)", a cure that changes nothing."""
    (tmp_path / "ws").mkdir()
    ws = Workspace(tmp_path / "ws")
    ws.profile("ada", ADA)
    listed(ws, "a.txt", "Neuromorphic Chips")
    with read_only_file(ws.root / "digest.db"):
        refused = digest(ws, "send")
    said = " ".join(refused.stderr.split())
    assert refused.returncode == 1, said
    assert "chmod" not in said, said
    assert "digest.db: the database is read-only: its disk is mounted read-only" in said, said
    assert "make it writable (remount it)" in said, said
