"""The spare kept beside the database for the note of digests accepted but not recorded
(digest.deliver.unrecorded) is written to a temporary file and renamed: a process killed between
the two (SIGKILL: systemd's stop timeout, the OOM killer) left that 256 KiB file for ever, one more
at every such kill. Here strace kills a real `digest send` at the spare's fsync."""

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


def test_a_spare_left_half_made_by_a_killed_send_is_removed_by_a_later_pass_and_nothing_else(tmp_path):
    if shutil.which("strace") is None:
        pytest.skip("no strace to kill the pass as it writes the spare")
    with LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        send = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        assert subprocess.run(send, capture_output=True, timeout=120).returncode == 0  # caches made
        spare = tmp_path / "digest.db.unrecorded.spare"
        spare.unlink()  # made again by the next pass: its first fsync (the caches are as they were)
        killer = [
            "strace",
            "-qq",
            "-o",
            os.devnull,
            "-e",
            "trace=fsync",
            "-e",
            "inject=fsync:signal=SIGKILL:when=1",
        ]
        killed = subprocess.run(killer + send, capture_output=True, timeout=120)
        assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed
        (left,) = tmp_path.glob(".digest.db.unrecorded.spare.*.tmp")  # the killed pass's
        assert left.stat().st_size == SPARE_BYTES
        day_ago = time.time() - 24 * 3600
        os.utime(left, (day_ago, day_ago))  # killed the day before the next pass
        users = tmp_path / ".digest.db.unrecorded.spare.mine.tmp"  # not a name the pass makes
        writing = tmp_path / ".digest.db.unrecorded.spare.a1b2c3d4.tmp"  # another worker's, now
        for other in (users, writing):
            other.write_bytes(b"x")
        os.utime(users, (day_ago, day_ago))
        again = subprocess.run(send, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert not left.exists()  # was: there for ever, 256 KiB
    assert users.exists() and writing.exists() and spare.stat().st_size == SPARE_BYTES
