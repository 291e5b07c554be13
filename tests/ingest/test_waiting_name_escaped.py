"""A dump still being written is said with its name escaped, as every other line about a dump is
(digest.files.printable): `digest ingest`'s line of what it waits for and the daemon's log line
wrote the name as it was, so a file named "x\\n2026-... ERROR ..." forged a line of its own."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys

from digest.daemon.service import Daemon

from conftest import make_dump

FORGED = "2026-03-16 07:00:00,000 ERROR digest: forged"
NAME = f"day\n{FORGED}.txt"


def test_a_dump_still_written_is_named_escaped_by_ingest_and_the_daemons_log(workspace, caplog):
    text = workspace.config_path.read_text() + "scheduler:\n  settle_seconds: 4\n"
    workspace.config_path.write_text(text)
    dump = make_dump("Mar 14", [("Neuromorphic Chips", "Spikes on silicon.")])
    workspace.dump(NAME, dump, mtime=dt.datetime.now(dt.UTC))
    ingest = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "ingest"]
    done = subprocess.run(ingest, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "day\\n2026-03-16 07:00:00,000 ERROR digest: forged.txt was changed " in done.stderr, done.stderr
    assert not any(line.startswith(FORGED) for line in done.stderr.splitlines()), done.stderr
    workspace.dump("other.txt", dump)  # the daemon's pass: the next one, still being written
    workspace.dump(NAME, dump, mtime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    with caplog.at_level(logging.INFO, logger="digest"):
        Daemon(workspace.config, lambda: dt.datetime.now(dt.UTC)).run_once()
    said = [r.getMessage() for r in caplog.records if "was changed" in r.getMessage()]
    assert said and all("\n" not in s and "day\\n2026-03-16" in s for s in said), said
