"""`digest preview` of a reader whose digest of this period is still to go does not load the
sending machinery (digest.daemon.sendnow: the outbox, the SMTP senders, the lease holders, lz4):
only a preview after this period's digest went needs it, to say when that digest was sent. Loaded
for every preview, it cost each one some 40 ms of CPU and 1.5 MiB (a real `digest preview`
process, five real dumps, 50 readers: 0.670 s CPU against 0.623 s before it was loaded)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from conftest import a_minute_ago, make_dump

PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]

LOADED = """
import json, sys
from digest.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    heavy = ("digest.daemon.sendnow", "digest.deliver.senders", "lz4")
    print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def test_a_preview_of_a_digest_still_to_go_loads_no_sending_machinery(workspace):
    today = dt.datetime.now(dt.UTC)
    workspace.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    workspace.dump("day.txt", make_dump(f"{today:%b} {today.day}", PAPERS), mtime=a_minute_ago())
    assert workspace.cli("ingest").exit_code == 0

    shown = subprocess.run(
        [sys.executable, "-c", LOADED, "--config", str(workspace.config_path), "preview", "ada", "--text"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Gardening Robots" in shown.stdout
    assert "already" not in shown.stderr  # this period's digest is still to go: no note
    assert json.loads(shown.stderr.strip().splitlines()[-1]) == [], shown.stderr
