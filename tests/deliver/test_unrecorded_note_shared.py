"""The note of digests the server accepted but the database could not record, as PostgreSQL workers
that share one config folder (NFS) write it: after a failover, say, which ends every worker's
connection at once, each halting with a digest accepted. Each rewrote the note whole from what it
read there, so of two at once only the last one's stayed, while both said it was noted: the other's
digest, in its memory only, was sent again if it stopped before the database came back.

Here one worker's writing is held by strace just before its rename (a real process writing through
the library, as a halting worker does), while another notes its own."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.disks import tmpfs
from helpers.leases import leases_over

from digest.db import DatabaseUrl
from digest.deliver.outbox import SENT, Outbox
from digest.deliver.unrecorded import Accepted, Unrecorded
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.filelock import FileLock
from digest.store import Store

from conftest import NOW, Workspace, make_dump, postgres_database

AT = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)
NOTES = """
import sys, datetime as dt
from pathlib import Path
from digest.db import DatabaseUrl
from digest.deliver.unrecorded import Accepted, Unrecorded
at = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)
unrecorded = Unrecorded(DatabaseUrl("postgresql:///digest", Path(sys.argv[1])))
assert unrecorded.add([Accepted(2, "bob", "bob@example.org", "250 OK", at)])
"""


def test_two_workers_noting_at_once_in_one_config_folder_keep_both_digests(tmp_path):
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold a worker as it writes the note")
    unrecorded = Unrecorded(DatabaseUrl("postgresql:///digest", tmp_path))
    renames = "rename,renameat,renameat2"
    held = ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={renames}"]
    held += ["-e", f"inject={renames}:delay_enter=2000000"]  # its rename into place (its only one): 2 s late
    other = subprocess.Popen(held + [sys.executable, "-c", NOTES, str(tmp_path)], env=dict(os.environ))
    while other.poll() is None and not any(p.stat().st_size for p in tmp_path.glob(".*.unrecorded.*.tmp")):
        time.sleep(0.01)  # bob's note written, not yet in place
    noted = unrecorded.add([Accepted(1, "ada", "ada@example.org", "250 OK", AT)])
    assert other.wait(timeout=60) == 0 and noted
    in_the_note = [a.user for a in Unrecorded(DatabaseUrl("postgresql:///digest", tmp_path)).entries()]
    assert in_the_note == ["ada", "bob"]  # was: ['bob'], though both said noted


RECORDS = """
import sys
from digest.db import DatabaseUrl
from digest.deliver.outbox import Outbox
from digest.deliver.accepted import record_accepted
from digest.deliver.unrecorded import Unrecorded
from digest.store import Store
database = DatabaseUrl(sys.argv[1], __import__("pathlib").Path(sys.argv[2]))
with Store(database) as store:
    record_accepted(Outbox(store), Unrecorded(database), sending=False)
"""


def test_a_worker_recording_the_note_keeps_what_another_noted_meanwhile(tmp_path):
    """A worker's next pass records what the note names (ada's), then removed the note whole: bob's,
    noted by another worker in between, went with it."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold a worker as it removes the note")
    with postgres_database() as url:
        database = DatabaseUrl(str(url), tmp_path)
        with Store(database) as store, store.transaction():
            ids = [
                Outbox(store).enqueue(
                    user=user,
                    recipient=f"{user}@example.org",
                    message_id=f"<{user}@example.org>",
                    subject="digest",
                    mime=b"Subject: digest\r\n\r\nhello\r\n",
                    paper_ids=[],
                    now=NOW,
                )  # fmt: skip
                for user in ("ada", "bob")
            ]
        unrecorded = Unrecorded(database)
        assert unrecorded.add([Accepted(ids[0], "ada", "ada@example.org", "250 OK", AT)])
        calls = "flock,unlink,unlinkat"  # the note taken (its lock: after the mend) or removed: 2 s late
        held = [
            "strace",
            "-f",
            "-qq",
            "-o",
            os.devnull,
            "-e",
            f"trace={calls}",
            "-e",
            f"inject={calls}:delay_enter=2000000",
        ]
        recorder = subprocess.Popen(held + [sys.executable, "-c", RECORDS, str(url), str(tmp_path)])
        with Store(database) as store:
            while recorder.poll() is None and Outbox(store).get(ids[0]).status != SENT:
                time.sleep(0.05)  # ada's recorded as sent: the note is next
        assert Unrecorded(database).add([Accepted(ids[1], "bob", "bob@example.org", "250 OK", AT)])
        assert recorder.wait(timeout=120) == 0
        in_the_note = [a.user for a in Unrecorded(database).entries()]
    assert in_the_note == ["bob"]  # was: [], bob's note removed with ada's


CLEARS = """
import sys, datetime as dt
from pathlib import Path
from digest.db import DatabaseUrl
from digest.deliver.unrecorded import Accepted, Unrecorded
at = dt.datetime(2026, 3, 14, 7, 30, tzinfo=dt.UTC)
ada = Accepted(1, "ada", "ada@example.org", "250 OK", at)
Unrecorded(DatabaseUrl("postgresql:///digest", Path(sys.argv[1]))).clear([ada])
"""


def test_on_a_folder_with_no_inode_left_a_halting_worker_waits_its_turn_and_keeps_its_note(tmp_path):
    """The lock file the workers take turns on was made at a first halt only, so on a folder whose
    every inode was used by then (df -i) it could not be made: a worker recording ada's digest (its
    note taken from the spare) and one halting with bob's meanwhile took no turns, and bob's found
    no room (no inode, the spare taken), his digest in that worker's memory only, said at CRITICAL.
    Each pass now makes the lock file while there is room, so the halting worker waits for the
    other's removal of the note, whose inode it then has."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold a worker as it removes the note")
    with tmpfs(tmp_path, "16m", inodes=16) as disk:
        database = DatabaseUrl("postgresql:///digest", disk)
        Unrecorded(database).ready()  # a pass before: the spare kept
        with contextlib.suppress(OSError):
            for i in range(64):  # every inode taken by small files, megabytes free
                (disk / f"small{i}").write_bytes(b"x")
        assert Unrecorded(database).add([Accepted(1, "ada", "ada@example.org", "250 OK", AT)])  # the spare
        removals, calls = tmp_path / "removals", "unlink,unlinkat"
        held = ["strace", "-f", "-qq", "-o", str(removals), "-e", f"trace={calls}"]
        held += ["-e", f"inject={calls}:delay_enter=2000000"]  # the note's removal: 2 s late
        recorder = subprocess.Popen(held + [sys.executable, "-c", CLEARS, str(disk)])
        while recorder.poll() is None and not (removals.exists() and ".unrecorded" in removals.read_text()):
            time.sleep(0.01)  # ada's note read and about to be removed
        noted = Unrecorded(database).add([Accepted(2, "bob", "bob@example.org", "250 OK", AT)])
        assert recorder.wait(timeout=60) == 0
        in_the_note = [a.user for a in Unrecorded(database).entries()]
    assert noted and in_the_note == ["bob"]  # was: False, [] (bob's digest in memory only)


def test_a_halt_that_cannot_make_the_lock_file_says_the_workers_take_no_turns(tmp_path, caplog):
    """A spare kept by a release before (which made no lock file), every inode used since: the note
    was written without a turn and without a word of it."""
    with tmpfs(tmp_path, "16m", inodes=16) as disk:
        database = DatabaseUrl("postgresql:///digest", disk)
        Unrecorded(database).ready()
        (disk / "digest.pg.unrecorded.lock").unlink(missing_ok=True)  # as a release before left the folder
        with contextlib.suppress(OSError):
            for i in range(64):
                (disk / f"small{i}").write_bytes(b"x")
        assert Unrecorded(database).add([Accepted(1, "ada", "ada@example.org", "250 OK", AT)])
    said = caplog.text
    assert "digest.pg.unrecorded.lock: the disk is full, no file can be made there" in said, said
    assert "the workers sharing this folder do not take turns at the note now" in caplog.text  # was: not said


@contextlib.contextmanager
def another_user() -> Iterator[None]:
    """This process as the user nobody for a while (a worker of the service's user)."""
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_a_lock_file_root_made_still_gives_the_service_users_workers_their_turns(caplog):
    """root ran `digest send` once: its pass (every pass makes it) left the lock file the workers
    take turns on, root's, 0644, which the service user's worker, halting, could not open for
    writing: "cannot open the lock file ...: Permission denied; the folder must be writable", its
    note written without a turn (two such workers noting at once keep only the last's). It takes
    its turn on the file opened for reading (flock asks no more), and waits for whoever holds it."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to be another user for a moment")
    folder = Path(tempfile.mkdtemp())  # /tmp: the user nobody can reach it (not pytest's tmp_path)
    try:
        folder.chmod(0o777)  # the folder the workers write in
        database = DatabaseUrl("postgresql:///digest", folder)
        root = Unrecorded(database)
        root.ready()
        with another_user():
            assert Unrecorded(database).add([Accepted(1, "ada", "ada@example.org", "250 OK", AT)])
        assert "do not take turns" not in caplog.text, caplog.text  # was said, no turn taken
        assert [a.user for a in Unrecorded(database).entries()] == ["ada"]
        with FileLock(root.turns), another_user():  # root's turn now: the service user's waits
            assert FileLock(root.turns, others=True).acquire(wait=False) is False
    finally:
        shutil.rmtree(folder)


class FailoverAfterBoth(Mailbox):
    """Takes each message once two have arrived (two workers mid-pass), after ending every
    connection to the database (a failover): neither can record what the server accepted."""

    both: asyncio.Event | None = None
    database = ""

    async def handle_DATA(self, server, session, envelope):
        self.both = self.both or asyncio.Event()
        said = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 2:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (self.database,),
                )
            self.both.set()
        await asyncio.wait_for(self.both.wait(), 30)
        return said


def test_a_send_halting_with_no_room_for_its_note_says_it_will_be_sent_again(tmp_path):
    """Two `digest send` halting at once in one config folder with no inode left: the first's note
    took the spare, the second's was in its memory only, and it said "This worker's next pass
    records it as sent", though the command ended then: the next send, its claim lapsed, sent that
    digest again (as it still does: no room, no note; what it says is now so)."""
    handler = FailoverAfterBoth()
    with (
        postgres_database() as url,
        tmpfs(tmp_path, "16m", inodes=40) as disk,
        LocalSmtpServer(handler) as server,
    ):
        (disk / "ws").mkdir()
        ws = Workspace(disk / "ws", server.port, database=url)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  lease_seconds: 1\n")
        for user in ("ada", "bob"):
            ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        digest = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
        for first in (["ingest"], ["send", "--dry-run"]):  # its caches made: then no inode is left
            assert subprocess.run(digest + first, capture_output=True, timeout=120).returncode == 0
        Unrecorded(ws.config.database).ready()  # a pass before: the spare kept
        with contextlib.suppress(OSError):
            for i in range(64):
                (disk / f"small{i}").write_bytes(b"x")
        handler.database = str(url).rsplit("/", 1)[1]
        sends = [subprocess.Popen([*digest, "send", "--user", user], stderr=subprocess.PIPE, text=True)
                 for user in ("ada", "bob")]  # fmt: skip
        said = [send.communicate(timeout=120)[1] for send in sends]
        (unnoted,) = [text for text in said if "memory only" in text]
        (disk / "small0").unlink()
        leases_over(url)  # the halted send's claim lapses (delivery.lease_seconds: 1)
        again = subprocess.run([*digest, "send"], capture_output=True, text=True, timeout=120)
    assert [s.returncode for s in sends] == [1, 1] and again.returncode == 0, again.stderr
    assert "This worker's next pass records it as sent" not in unnoted  # was said
    assert "this command ends with it in its memory only, so a worker sends it again" in unnoted, unnoted
    for text in said:  # its last line the halt's, not the lost database's at the lease's renewal
        lines = text.strip().splitlines()
        assert lines[-1] == "error: delivery is stopped (said above, at CRITICAL)", text
        said_at_critical = [line for line in lines if " CRITICAL " in line]
        assert "the server accepted the digest to" in said_at_critical[-1], text
    sent = sorted(m.rcpt_tos[0] for m in handler.messages)
    assert sent == ["ada@example.org", "ada@example.org", "bob@example.org"] or sent == [
        "ada@example.org", "bob@example.org", "bob@example.org"
    ]  # fmt: skip
