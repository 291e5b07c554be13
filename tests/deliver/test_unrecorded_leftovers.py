"""The spare kept beside the database for the note of digests accepted but not recorded
(digest.deliver.unrecorded) is written to a temporary file and renamed: a process killed between
the two (SIGKILL: systemd's stop timeout, the OOM killer) left that 256 KiB file for ever, one more
at every such kill. Here strace kills a real `digest send` at the spare's rename (a first pass's
fourth: it counts them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from digest.deliver.unrecorded import SPARE_BYTES
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump

# a first pass renames into place the profiles' cache, premailer's answers (twice), then the spare
KILLED_AT = [
    ("digest.db.profiles.cache", 1),
    ("digest.db.inline.cache", 2),
    ("digest.db.unrecorded.spare", 4),
]


@pytest.mark.parametrize(("kept", "rename"), KILLED_AT)
def test_a_file_left_half_made_by_a_killed_pass_is_removed_by_a_later_pass_and_nothing_else(
    tmp_path, kept, rename
):
    """A pass killed before it renamed a file it keeps beside the database into place (the spare,
    256 KiB; the caches of parsed profiles and of premailer's answers) left its temporary file
    there for ever, one more at every such kill."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to kill the pass as it writes the file")
    with LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        renames = "rename,renameat,renameat2"
        killer = ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={renames}"]
        killer += ["-e", f"inject={renames}:signal=SIGKILL:when={rename}"]  # at that file's rename
        killed = subprocess.run(killer + send, capture_output=True, timeout=120)
        assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed
        assert not (tmp_path / kept).exists()
        (left,) = tmp_path.glob(f".{kept}.*.tmp")  # the killed pass's, written whole
        day_ago = time.time() - 24 * 3600
        os.utime(left, (day_ago, day_ago))  # killed the day before the next pass
        users = tmp_path / f".{kept}.mine.tmp"  # not a name the pass makes
        writing = tmp_path / f".{kept}.a1b2c3d4.tmp"  # another process's, now
        for other in (users, writing):
            other.write_bytes(b"x")
        os.utime(users, (day_ago, day_ago))
        now = time.time()  # dated by the clock the pass reads, not the file system's (libfaketime's differ)
        os.utime(writing, (now, now))
        again = subprocess.run(send, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert not left.exists()  # was: there for ever
    assert users.exists() and writing.exists() and (tmp_path / kept).exists()
    assert (tmp_path / "digest.db.unrecorded.spare").stat().st_size == SPARE_BYTES
