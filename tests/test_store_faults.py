"""What the database's troubles look like to the user: a clear error naming the file and what
to do, never `internal error: OperationalError`; reading commands work on a read-only disk."""

from __future__ import annotations

import contextlib
import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.disks import quota_disk, tmpfs

from digest.errors import StoreError
from digest.store import Store

from conftest import make_dump

PAPERS = [(f"Neuromorphic Result {i}", f"An event-driven neuromorphic chip, take {i}.") for i in range(3)]


def filled(ws) -> None:
    ws.dump("day.txt", make_dump("Mar 14", PAPERS))
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    assert ws.cli("ingest", str(ws.root / "inbox" / "day.txt")).exit_code == 0


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path, "4m") as disk:
        yield disk


def on_disk(ws, disk) -> None:
    text = ws.config_path.read_text().replace("database: digest.db", f"database: {disk}/digest.db")
    ws.config_path.write_text(text)


def test_on_a_read_only_disk_status_and_rank_work_and_ingest_says_read_only(workspace, small_disk):
    on_disk(workspace, small_disk)
    filled(workspace)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    status = workspace.cli("status")
    assert status.exit_code == 0, status.output
    assert "Papers stored: 3" in status.output
    rank = workspace.cli("rank", "ada")
    assert rank.exit_code == 0, rank.output
    assert "Neuromorphic Result" in rank.output
    workspace.dump("day2.txt", make_dump("Mar 15", [("Another", "An abstract.")]))
    ingest = workspace.cli("ingest", str(workspace.root / "inbox" / "day2.txt"))
    assert ingest.exit_code == 1, ingest.output
    assert "internal error" not in ingest.output
    assert "read-only" in ingest.output and "digest.db" in ingest.output


def test_status_right_after_an_ingest_counts_each_readers_next_digest(workspace, caplog):
    filled(workspace)  # ingested, and nothing ranked since: the new papers are not indexed yet
    status = workspace.cli("status")
    assert status.exit_code == 0, status.output
    assert "3 papers at " in status.output  # ada's next digest
    assert "not counted" not in status.output + caplog.text


def test_on_a_read_only_disk_with_papers_not_yet_indexed_status_works_without_the_counts(
    workspace, small_disk, caplog
):
    on_disk(workspace, small_disk)
    filled(workspace)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    status = workspace.cli("status")
    assert status.exit_code == 0, status.output
    assert "Papers stored: 3" in status.output and "papers at " not in status.output
    assert "next digests not counted" in caplog.text and "read-only" in caplog.text


def test_on_a_read_only_disk_send_and_a_profile_edit_say_what_is_read_only(workspace, small_disk):
    on_disk(workspace, small_disk)
    filled(workspace)
    (small_disk / "profiles").mkdir()
    (small_disk / "profiles" / "ada.yaml").write_text("email: ada@example.org\ninterests: [neuromorphic]\n")
    workspace.config_path.write_text(
        workspace.config_path.read_text().replace("profiles: profiles", f"profiles: {small_disk}/profiles")
    )
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in (["send"], ["run", "--once"], ["profile", "add", "ada", "event cameras"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1, (command, result.output)
        assert "internal error" not in result.output, command
        if command[0] == "profile":  # the profile's lock refused: said as the profile not saved
            said = " ".join(result.output.split())
            fix = "its disk is mounted read-only: remount it read-write"  # no permission cures it
            assert f"cannot save {small_disk}/profiles/ada.yaml: Read-only file system; {fix}" in said
        else:
            assert "the lock file that keeps two runs apart" in result.output
        assert "Read-only file system" in result.output
    assert "event cameras" not in (small_disk / "profiles" / "ada.yaml").read_text()


def test_a_full_disk_during_ingest_says_so_and_stores_nothing(workspace, small_disk):
    on_disk(workspace, small_disk)
    filled(workspace)
    with open(
        small_disk / "filler", "wb", buffering=0
    ) as f:  # fill the disk (unbuffered: close has nothing left to write)
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    big = [(f"Paper {i}", "An abstract about neuromorphic chips. " * 40) for i in range(400)]
    workspace.dump("day2.txt", make_dump("Mar 15", big))
    result = workspace.cli("ingest", str(workspace.root / "inbox" / "day2.txt"))
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "cannot rollback" not in result.output
    assert "full" in result.output and "digest.db" in result.output
    (small_disk / "filler").unlink()
    assert "Papers stored: 3" in workspace.cli("status").output  # one transaction: nothing half-stored


def test_a_database_locked_for_long_is_named(workspace):
    filled(workspace)
    other = sqlite3.connect(workspace.config.database)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with (
            Store(workspace.config.database, timeout=0.2) as store,
            pytest.raises(StoreError, match="locked") as info,
            store.transaction(),
        ):
            pass
        assert "digest.db" in str(info.value) and "another" in str(info.value)
    finally:
        other.rollback()
        other.close()


def test_a_corrupt_database_is_named_with_what_to_do(workspace):
    filled(workspace)
    path = workspace.config.database
    raw = bytearray(path.read_bytes())
    for wal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        wal.unlink(missing_ok=True)
    raw[4096:] = b"\x5a" * (len(raw) - 4096)  # the header survives; every page after it is garbage
    path.write_bytes(bytes(raw))
    for args in (("status",), ("rank", "ada"), ("ingest", str(workspace.root / "inbox" / "day.txt"))):
        result = workspace.cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "internal error" not in result.output
        assert "corrupt" in result.output and "digest.db" in result.output


def test_a_database_in_a_folder_that_cannot_be_created_is_named(workspace, tmp_path):
    (tmp_path / "blocker").write_text("a file, not a folder")
    text = workspace.config_path.read_text().replace("database: digest.db", "database: blocker/digest.db")
    workspace.config_path.write_text(text)
    workspace.dump("day.txt", make_dump("Mar 14", PAPERS))
    result = workspace.cli("ingest", str(workspace.root / "inbox" / "day.txt"))
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "blocker" in result.output


def test_a_database_whose_folder_is_missing_is_an_error_not_a_new_empty_database(workspace):
    # a mistyped path, or a disk that is not mounted: a new database there would forget what was
    # sent (and send it again); the folder must exist, as the inbox and the profiles folder must
    filled(workspace)
    text = workspace.config_path.read_text().replace("database: digest.db", "database: nodir/digest.db")
    workspace.config_path.write_text(text)
    for command in (["status"], ["send"], ["rank", "ada"], ["ingest"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1, (command, result.output)
        assert "nodir: the database's folder" not in result.output  # the message names the file first
        assert "digest.db: the database's folder" in result.output and "does not exist" in result.output
    assert not (workspace.root / "nodir").exists()


def test_store_transaction_keeps_the_real_error_when_sqlite_rolled_back_itself(tmp_path):
    with Store(tmp_path / "d.db") as store:
        with pytest.raises(ZeroDivisionError), store.transaction() as db:
            db.execute("ROLLBACK")  # as SQLite does on its own after a full disk
            raise ZeroDivisionError
        # the store is still usable
        with store.transaction():
            pass


def test_a_database_named_through_a_link_to_a_missing_folder_names_that_folder(workspace):
    """link.db -> nodir/digest.db (a disk not mounted): the link's folder exists, so nothing
    told; `digest run` and `send` said the lock file beside the file could not be made (No such
    file or directory), `digest status` SQLite's 'unable to open database file'. Each says the
    folder, as for a path without a link."""
    (workspace.root / "link.db").symlink_to("nodir/digest.db")
    database_named(workspace, "link.db")
    for command in (["status"], ["send"], ["run", "--once"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1, (command, result.output)
        assert f"link.db: the database's folder {workspace.root / 'nodir'} does not exist" in result.output
        assert (
            f"(named through a symbolic link: the file is {workspace.root / 'nodir' / 'digest.db'})"
            in result.output
        )
    assert not (workspace.root / "nodir").exists()


def database_named(workspace, name: str) -> None:
    text = workspace.config_path.read_text().replace("database: digest.db", f"database: {name}")
    workspace.config_path.write_text(text)


@pytest.mark.parametrize(
    ("links", "named", "loop"),
    [
        ({"loop.db": "loop.db"}, "loop.db", "loop.db -> loop.db"),
        ({"a.db": "b.db", "b.db": "a.db"}, "a.db", "a.db -> b.db -> a.db"),
        ({"via": "via"}, "via/digest.db", "via -> via"),  # a folder of the path
        ({"a.db": "./b.db", "b.db": "a.db"}, "a.db", "a.db -> ./b.db -> a.db"),  # as written
        # through '..', or the link's own full path: told "(a.db)", or each link once more
        ({"a.db": "sub/../a.db"}, "a.db", "a.db -> sub/../a.db"),
        ({"a.db": "sub/b.db", "sub/b.db": "../a.db"}, "a.db", "a.db -> sub/b.db -> ../a.db"),
        ({"a.db": "{root}/a.db"}, "a.db", "a.db -> {root}/a.db"),
    ],
)
def test_a_database_named_through_a_link_that_leads_back_to_itself_says_so(workspace, links, named, loop):
    """loop.db -> loop.db: `digest status` showed an empty database (Papers stored: 0) and
    exited 0, ingest and send said 'the database file cannot be opened or written; check that
    its folder exists and is writable, and that the disk is healthy'."""
    (workspace.root / "sub").mkdir()
    for link, target in links.items():
        (workspace.root / link).unlink(missing_ok=True)
        (workspace.root / link).symlink_to(target.format(root=workspace.root))
    loop = loop.format(root=workspace.root)
    database_named(workspace, named)
    for command in (["status"], ["ingest"], ["send"]):
        result = workspace.cli(*command)
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.endswith(  # `send` first says there are no readers
            f"error: {workspace.root / named}: a symbolic link that leads back to itself "
            f"({workspace.root / loop}), so no database file is named; fix `database:` in the config, "
            "or point the link at the database file\n"
        ), command


def test_a_disk_io_error_with_room_on_the_disk_is_still_said_as_one(tmp_path):
    """A full disk is told from SQLite's "disk I/O error" by the room left at that moment: a write
    refused with room to spare (a file-size limit here: EFBIG) keeps the I/O wording."""
    store = Store(tmp_path / "digest.db")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, hard))  # (Python ignores SIGXFSZ: EFBIG)
    try:
        with pytest.raises(StoreError) as err, store.transaction() as db:
            db.execute("CREATE TABLE big (x BLOB)")
            db.execute("INSERT INTO big VALUES (zeroblob(4000000))")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        store.close()
    assert "disk I/O error" in str(err.value) and "the disk is full" not in str(err.value)
    assert "the database file cannot be opened or written" in str(err.value), str(err.value)


def test_a_disk_with_no_file_left_to_make_is_said_full_not_failing_nor_read_only(workspace, tmp_path, caplog):
    """A disk whose every inode is used (many small files: df -i says 100%) with megabytes free:
    SQLite cannot make its -wal and -shm files. `digest send` said "the database file cannot be
    opened or written; check that its folder exists and is writable, and that the disk is healthy
    (unable to open database file)", and `digest status` that the database is read-only."""
    with tmpfs(tmp_path, "16m", inodes=64) as disk:
        on_disk(workspace, disk)
        filled(workspace)
        (disk / "digest.db.lock").touch()  # as any `digest send` before leaves it
        with contextlib.suppress(OSError):  # another program's small files take every inode left
            for n in range(64):
                (disk / f"small{n}").touch()
        send = workspace.cli("send")
        status = workspace.cli("status")
    assert send.exit_code == 1, send.output
    print("OUT", send.output, send.exception)
    assert "the disk is full, no file can be made there (every inode is used: df -i)" in send.output
    assert "remove some files there and try again (unable to open database file)" in send.output, send.output
    assert "Papers stored: 3" in status.output  # read as before; the counts that need a write say why:
    assert "the disk is full, no file can be made there" in caplog.text, caplog.text
    assert "read-only" not in caplog.text + send.output


def over_quota(disk: Path) -> None:
    """Another program's file takes what the quota leaves: the disk itself keeps its room."""
    with open(disk / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(os.urandom(4096))
    subprocess.run(["sync"], check=True)


def test_a_disk_quota_used_up_is_said_as_the_quota_full_not_a_failing_disk(workspace, tmp_path, caplog):
    """A disk quota used up (EDQUOT: a btrfs qgroup here, as a user's quota or an XFS project) with
    the disk's megabytes free: SQLite says "disk I/O error", or "unable to open" its -wal, without
    the errno, and `digest status` said the counts' write failed as "the database file cannot be
    opened or written; check ... that the disk is healthy" (`ingest` likewise), the lock file's
    "the disk is full ... free some space there (at least 1 MiB)" of a disk with 100 MiB free."""
    with quota_disk(tmp_path, "2M") as disk:
        on_disk(workspace, disk)
        filled(workspace)
        over_quota(disk)
        assert os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize > 64 * 1024 * 1024  # the disk has room
        status = workspace.cli("status")
        send = workspace.cli("send")
    assert "Papers stored: 3" in status.output  # read as before; the counts that need a write say why:
    assert f"{disk}/digest.db: the disk quota is full, though the disk may have room" in caplog.text
    assert (
        "have it raised, and try again" in caplog.text
        and "a file made there: Disk quota exceeded" in caplog.text
    )
    assert send.exit_code == 1 and "the disk quota is full" in send.output, send.output
    said = caplog.text + send.output
    assert "disk is healthy" not in said and "free some space" not in said and "read-only" not in said


def test_a_run_lock_whose_note_cannot_be_cleared_says_the_real_error_and_is_released(workspace, tmp_path):
    """A run killed while it held the lock (SIGKILL, the OOM killer, SQLite's SIGBUS) left its note
    in digest.db.lock, and the disk quota was used up: the next run could not clear the note as it
    released the lock (btrfs's truncate takes room), and that OSError, raised while the run's own
    error unwound, was all the user saw ("internal error: OSError: [Errno 122] Disk quota
    exceeded"); the lock itself stayed held by the process (a daemon's, for good)."""
    from digest.filelock import FileLock

    with quota_disk(tmp_path, "2M") as disk:
        on_disk(workspace, disk)
        filled(workspace)
        (disk / "digest.db.lock").write_text("digest send (pid 4242)\n")  # as a killed run leaves it
        over_quota(disk)
        said = {command: workspace.cli(command, "--once") if command == "run" else workspace.cli(command)
                for command in ("send", "run")}  # fmt: skip
        held = FileLock(disk / "digest.db.lock").held()
    for command, result in said.items():
        assert result.exit_code == 1, (command, result.output)  # was: 2, 'internal error: OSError: ...'
        said = result.output
        assert "the disk quota is full, though the disk may have room" in said, (command, said)
    assert not held  # was: held by this process after its send


def open_files(where: Path) -> list[str]:
    """The files under ``where`` this process holds open."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # (the listing's own, closed by now)
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return [name for name in found if name.startswith(str(where))]


def test_a_database_that_cannot_be_opened_on_a_full_disk_is_not_left_open(small_disk):
    """The failed open's connection stayed open, its files held (digest.db, -wal, -shm), for as long
    as the error lived: a daemon logging it at every poll, a disk that could not be unmounted."""
    Store(small_disk / "digest.db").close()
    with open(small_disk / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"x" * 4096)
    with pytest.raises(StoreError, match="the disk is full") as err:
        Store(small_disk / "digest.db")
    assert err.value and open_files(small_disk) == []  # was: digest.db, -wal, -shm


def test_a_run_refused_beside_a_run_whose_line_the_quota_kept_out_is_not_told_a_dead_process_holds_it(
    workspace, tmp_path
):
    """A killed run's line left in digest.db.lock ("digest send (pid N)", N gone), the quota used
    up: the run that took the lock next could not write its own line over it (btrfs's truncation
    takes room), so a command started beside it was told "the database is in use by digest send
    (pid N)", a process that no longer is, to wait for or stop. It is told the one holding it."""
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid, a process that has ended
    with quota_disk(tmp_path, "2M") as disk:
        on_disk(workspace, disk)
        filled(workspace)
        (disk / "digest.db.lock").write_text(f"digest send (pid {gone.pid})\n")  # as a killed run leaves it
        over_quota(disk)
        holding = (
            "from digest.daemon.lock import RunLock; import sys; RunLock(sys.argv[1]).acquire('digest run'); "
        )
        holder = subprocess.Popen(
            [sys.executable, "-c", holding + "print(flush=True); sys.stdin.read()", str(disk / "digest.db")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            holder.stdout.readline()  # it holds the lock
            kept = (disk / "digest.db.lock").read_text()
            send = workspace.cli("send")
        finally:
            holder.communicate("")
    assert kept == f"digest send (pid {gone.pid})\n"  # the holder's line could not be written
    assert send.exit_code == 1, send.output
    assert f"the database is in use by another process (pid {holder.pid}); on SQLite" in send.output, (
        send.output
    )
    assert f"pid {gone.pid}" not in send.output
