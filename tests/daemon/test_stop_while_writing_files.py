"""A first SIGTERM while `digest send --to-dir` writes the digests as files, with two connections:
a real process. Its words are of files, not of a server (before: "stopping: finishing the message
the server has", then "... the server's answer to a message it has is waited for"), and the next
send writes the rest."""

from __future__ import annotations

import signal
import subprocess
import time

from helpers.send_process import digest

from conftest import Workspace, make_dump

READERS = 300


def test_a_stop_while_files_are_written_speaks_of_files(tmp_path):
    ws = Workspace(tmp_path)
    for i in range(READERS):
        ws.profile(f"r{i}", f'email: r{i}@example.org\ninterests: [neuromorphic]\nsend_at: "00:00"\n')
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  connections: 2\n")
    assert ws.cli("ingest").exit_code == 0
    out = tmp_path / "out"
    process = subprocess.Popen(
        digest(ws, "send", "--to-dir", str(out)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not (out.is_dir() and len(list(out.iterdir())) >= 5):
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, err
    written = len(list(out.iterdir()))
    assert written < READERS, "the stop came too late to show anything"
    assert "stopping: no more digests are written: a file being written is finished; SIGTERM again" in err, (
        err
    )
    assert "server" not in err, err
    again = subprocess.run(
        digest(ws, "send", "--to-dir", str(out)), capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert len(list(out.iterdir())) == READERS
