"""Ctrl-C while `digest send --to-dir` writes the digests, as a real process: it says how many
were written, not "went out", and the command it names writes the rest into the same folder."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import time

from conftest import Workspace, make_dump

READERS = 150  # more than it writes in the moment the signal takes to land


def test_ctrl_c_while_writing_files_says_they_were_written_and_names_the_folder_to_go_on(tmp_path):
    ws = Workspace(tmp_path, smtp_port=9)  # nothing listens there: what it writes goes to files only
    for i in range(READERS):
        ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert ws.cli("ingest").exit_code == 0
    out = tmp_path / "out folder"
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--to-dir", str(out)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out.is_dir() and len(list(out.glob("*.eml"))) >= 3) and time.monotonic() < deadline:
        time.sleep(0.005)
    first.send_signal(signal.SIGINT)
    err = first.communicate(timeout=120)[1]
    written = len(list(out.glob("*.eml")))
    assert first.returncode == 130 and written < READERS, err

    assert "went out" not in err and "sent twice" not in err, err
    go_on = f"`digest send --to-dir {shlex.quote(str(out))}` writes the rest"
    said = f"interrupted after {written} digests were written: nothing is lost or written twice; {go_on}"
    assert said in err, err

    again = shlex.split(re.search(r"`(digest send [^`]*)`", err).group(1))[1:]  # after "digest"
    rest = subprocess.run([*command[:5], *again], capture_output=True, text=True, timeout=300)
    assert rest.returncode == 0, rest.stderr
    assert len(list(out.glob("*.eml"))) == READERS  # each reader's digest once
