"""`digest ingest`, `profile show`, `suppressed` (and `digest --help`) do not load Python's ssl
module (with socket and OpenSSL's _ssl): they open no connection. It came with smtp.ca_file's check
(digest.checks.CaFile), imported with the config by every command, and cost each some 13 ms of
CPU (`import ssl`: 12.9 to 14.7 ms, six runs); it is imported now only where a config names a
certificate file, to read it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from conftest import a_minute_ago, make_dump

PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]

LOADED = """
import json, sys
from digest.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps(sorted(m for m in ("ssl", "_ssl") if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "command", [["ingest"], ["profile", "show", "ada"], ["suppressed"], ["--help"]], ids=" ".join
)
def test_a_command_that_opens_no_connection_loads_no_ssl(workspace, command):
    today = dt.datetime.now(dt.UTC)
    workspace.profile("ada", "email: ada@example.org\ninterests: [gardening]\n")
    workspace.dump("day.txt", make_dump(f"{today:%b} {today.day}", PAPERS), mtime=a_minute_ago())

    ran = subprocess.run(
        [sys.executable, "-c", LOADED, "--config", str(workspace.config_path), *command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stderr.strip().splitlines()[-1]) == [], ran.stderr
