"""PostgreSQL workers that share one config folder (an NFS mount: several machines, one
config) share the files kept beside the database there: the spare room for the note of digests
accepted but not recorded (digest.deliver.unrecorded) is made by whichever worker finds it missing,
and taken by whichever halts (renamed into the note). Made by two at once, it is whole (each
writes its own temporary file and renames it); taken by one as another was making it anew, the
maker said "cannot be kept beside the database (No such file or directory) ... make <folder>
writable", a folder that is writable, and kept no room: strace holds the maker between its look at
the spare and the next, while the spare is taken away, as a halting worker renames it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from digest.deliver.unrecorded import SPARE_BYTES, Unrecorded
from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace, make_dump, postgres_database


def test_a_spare_taken_by_a_halting_worker_as_another_makes_it_anew_is_made_without_a_warning(tmp_path):
    if shutil.which("strace") is None:
        pytest.skip("no strace to hold the worker between its looks at the spare")
    with postgres_database() as url, LocalSmtpServer() as server:
        ws = Workspace(tmp_path, server.port, database=url)
        ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
        unrecorded = Unrecorded(ws.config.database)
        unrecorded.spare.write_bytes(b"[]\n")  # a halting worker's note, written over its spare
        looks = tmp_path / "looks"
        holder = [
            "strace",
            "-qq",
            "-o",
            str(looks),
            "-P",
            str(unrecorded.spare),
            "-e",
            "trace=newfstatat,stat",
        ]
        holder += ["-e", "inject=newfstatat,stat:delay_exit=2000000:when=2"]  # its second look: held 2 s
        digest = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
        assert subprocess.run([*digest, "ingest"], capture_output=True, timeout=120).returncode == 0
        send = [*digest, "send"]
        worker = subprocess.Popen(holder + send, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while worker.poll() is None and not (looks.exists() and looks.read_text()):
            time.sleep(0.01)  # its first look done: too small, the spare is made anew
        os.replace(unrecorded.spare, unrecorded.path)  # the halting worker's rename, meanwhile
        out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    assert "cannot be kept beside the database" not in err  # was: '(No such file or directory) ... writable'
    assert unrecorded.spare.stat().st_size == SPARE_BYTES  # was: none kept
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
