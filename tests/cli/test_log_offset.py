"""The lines a `digest` process logs carry their UTC offset: on a machine whose clock falls back
(America/New_York, 2026-11-01), the hour from 01:00 to 02:00 comes twice, and its lines, an hour
apart, are told apart (-0400, then -0500), as `digest status` tells the readers' times apart (EDT,
EST)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

from conftest import make_dump

STAMPS = """
import datetime as dt, logging, sys
from digest.cli import main
main(sys.argv[1:], standalone_mode=False)
stamp = logging.getLogger().handlers[0].formatter.formatTime
for hour in (5, 6):  # 01:30 EDT, then 01:30 EST
    at = dt.datetime(2026, 11, 1, hour, 30, tzinfo=dt.UTC).timestamp()
    print(stamp(logging.makeLogRecord({"created": at, "msecs": 0.0})))
"""


def test_the_hour_that_comes_twice_is_logged_with_its_offset(workspace):
    workspace.dump("ny.txt", make_dump("Mar 14", [("Robots", "About robots.")]))
    env = {**os.environ, "TZ": "America/New_York"}
    args = ["--config", str(workspace.config_path), "-v", "ingest"]
    ran = subprocess.run(
        [sys.executable, "-c", STAMPS, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    # said: 2026-11-01 01:30:00,000 twice, an hour apart
    assert ran.stdout.splitlines()[-2:] == ["2026-11-01 01:30:00,000 -0400", "2026-11-01 01:30:00,000 -0500"]
    line = next(line for line in ran.stderr.splitlines() if " INFO " in line)
    stamp = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d{3} ([+-]\d{4}) INFO ", line)
    assert stamp, line
    logged = dt.datetime.strptime(f"{stamp[1]} {stamp[2]}", "%Y-%m-%d %H:%M:%S %z")
    assert abs(logged - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)  # the instant it was
