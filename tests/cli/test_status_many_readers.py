"""`digest status` with many readers: its table had a line for every profile (5,000 lines at
5,000 readers, and 51 s to read through), where a user wants how many are in which state and
the readers needing attention; the whole table is one option away."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from digest.deliver.suppressions import Suppressions
from digest.store import Store

from conftest import NOW

pytestmark = pytest.mark.backends


def status(ws, *options: str) -> list[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "status", *options]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_status_of_many_readers_sums_them_up_and_lists_those_needing_attention(workspace):
    ws = workspace
    # `status` reads the machine's clock: a send time twelve hours away is neither due nor in
    # its grace at any hour the test runs (the default, 07:00 UTC, is "due now" until 11:00)
    away = f'send_at: "{(dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)):%H}:00"\ntimezone: UTC\n'
    for i in range(60):
        paused = "paused: true\n" if i in (3, 30) else ""
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [robots]\n{away}{paused}")
    with Store(ws.config.database) as store:
        Suppressions(store).add("r07", "r07@example.org", "550 5.1.1 no such user", NOW)
    lines = status(ws)
    table = [line for line in lines if line[:1] == "r" and line[1:3].isdigit()]
    assert [line.split()[0] for line in table] == ["r07"], lines  # was: all 60
    assert (
        "Readers: 60: 57 on schedule, 2 paused, 1 suppressed (every reader: `digest status --readers`)"
        in lines
    )
    assert "Readers needing attention:" in lines, lines
    every = status(ws, "--readers")
    assert [line.split()[0] for line in every if line[:1] == "r" and line[1:3].isdigit()] == [
        f"r{i:02d}" for i in range(60)
    ]
    assert not any(line.startswith("Readers: ") for line in every)
