"""The file transport: one .eml file per message, written whole or not at all, and written once
per reader even when a send is killed in the middle."""

from __future__ import annotations

import collections
import email
import email.policy
import os
import signal
import subprocess
import sys
import time

from helpers.disks import tmpfs

from digest.deliver.file_transport import FileSender
from digest.deliver.outbox import QUEUED, SENT, Outbox
from digest.deliver.transports import Envelope
from digest.store import Store

from conftest import Workspace, make_dump


def envelope(token: str, data: bytes) -> Envelope:
    return Envelope(f"<{token}@example.org>", "ada", "digest@example.org", "ada@example.org", data)


def test_each_message_becomes_one_file_named_by_its_message_id(tmp_path):
    sender = FileSender(tmp_path / "mail")  # the folder is made on the first message
    result = sender.send(envelope("m1", b"Subject: one\r\n\r\nbody\r\n"))
    assert result.ok and result.reply.endswith("m1.eml")
    assert (tmp_path / "mail" / "m1.eml").read_bytes() == b"Subject: one\r\n\r\nbody\r\n"
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["m1.eml"]  # no temporary file left


def test_a_half_written_file_of_a_killed_run_is_replaced_whole(tmp_path):
    (tmp_path / ".m1.eml.tmp").write_bytes(b"Subject: one\r\n\r\nbo")  # the run was killed mid-write
    assert FileSender(tmp_path).send(envelope("m1", b"x" * 100_000)).ok
    assert (tmp_path / "m1.eml").read_bytes() == b"x" * 100_000
    assert not (tmp_path / ".m1.eml.tmp").exists()


def test_a_left_over_of_an_earlier_release_gives_the_message_the_mode_the_umask_gives(tmp_path):
    # a release before made its temporary file 0600 (mkstemp's mode): one its run left when
    # killed mid-write was written again in place, and kept 0600, so the message written in its
    # place was 0600 where every other is 0644 under umask 022 (a mail reader run as another
    # account, a backup, could not read it)
    left = tmp_path / ".m1.eml.tmp"
    left.write_bytes(b"Subject: one\r\n\r\nbo")
    left.chmod(0o600)
    was = os.umask(0o022)
    try:
        assert FileSender(tmp_path).send(envelope("m1", b"Subject: one\r\n\r\nbody\r\n")).ok
        assert FileSender(tmp_path).send(envelope("m2", b"Subject: two\r\n\r\nbody\r\n")).ok
    finally:
        os.umask(was)
    modes = [(tmp_path / name).stat().st_mode & 0o777 for name in ("m1.eml", "m2.eml")]
    assert modes == [0o644, 0o644]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m1.eml", "m2.eml"]


def test_a_folder_that_cannot_be_written_is_a_passing_failure_not_a_crash(tmp_path):
    (tmp_path / "mail").write_text("a file where the folder should be")
    result = FileSender(tmp_path / "mail").send(envelope("m1", b"data"))
    assert not result.ok and not result.permanent and "cannot write" in result.reply


# -- a whole `digest send` to files, killed with SIGKILL in the middle, then run again ---------

READERS = 1500


def test_a_send_to_files_killed_mid_batch_and_run_again_writes_each_readers_digest_once(tmp_path):
    """The file transport stores and records its messages a batch at a time (one commit per
    batch); a message sent but not recorded when the process is killed is written again
    under its own Message-ID, over its own file: every reader ends with one file."""
    ws = Workspace(tmp_path)
    with ws.config_path.open("a") as f:
        f.write("delivery:\n  transport: file\n  dir: out\n")
    for i in range(READERS):
        ws.profile(f"r{i:04d}", f"email: r{i:04d}@example.org\ninterests: [neuromorphic]\n")
    papers = [
        (f"Neuromorphic Paper {i}", f"An abstract about neuromorphic chips, number {i}.") for i in range(9)
    ]
    ws.dump("day.txt", make_dump("Mar 14", papers))
    assert ws.cli("ingest").exit_code == 0
    out = tmp_path / "out"
    send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]

    first = subprocess.Popen(send, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while first.poll() is None and time.monotonic() < deadline and written(out) < READERS // 3:
        time.sleep(0.002)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = written(out)
    assert first.returncode == -signal.SIGKILL and 0 < at_kill < READERS, (first.returncode, at_kill)
    with Store(ws.config.database) as store:
        recorded_at_kill = Outbox(store).counts().get(SENT, 0)
    assert recorded_at_kill <= at_kill  # a file is written after its message is stored, never before

    # no wait for the killed run's lease on its stored, unrecorded messages: on SQLite the file lock
    # lets one sender in, so a claim left is a dead process's, taken at once (deliver/claims.free_for)
    again = subprocess.run(send, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr

    files = sorted(out.glob("*.eml"))
    recipients = collections.Counter(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"].addresses[0].addr_spec
        for p in files
    )
    assert len(files) == READERS and set(recipients.values()) == {1}
    assert not list(out.glob(".*.tmp"))
    with Store(ws.config.database) as store:
        counts = Outbox(store).counts()
        periods = store.db.execute("SELECT COUNT(*) FROM period_digests").fetchone()[0]
    assert counts.get(SENT) == READERS and not counts.get(QUEUED) and periods == READERS
    print(f"killed after {at_kill} files ({recorded_at_kill} recorded); after the second run: {len(files)}")


def written(folder) -> int:
    return sum(1 for _ in folder.glob("*.eml")) if folder.is_dir() else 0


def test_a_full_disk_is_said_plainly_with_what_to_do(tmp_path):
    """The reason a message waits (shown by `digest status` and the daemon's log) said a full disk
    as Python's "[Errno 28] No space left on device"; now plainly, with what to do."""
    with tmpfs(tmp_path, "64k") as disk:
        result = FileSender(disk / "mail").send(envelope("m1", b"Subject: s\r\n\r\n" + b"x" * 200_000))
    assert not result.ok and not result.permanent
    assert "[Errno" not in result.reply
    assert result.reply == (
        f"cannot write {disk / 'mail' / 'm1.eml'}: No space left on device: free space on the disk of "
        f"{disk / 'mail'} (the message stays queued: tried again later)"
    )
