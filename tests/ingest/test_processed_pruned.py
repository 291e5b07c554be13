"""inbox/processed/ keeps every dump read, and grows by each day's: the README says so and how to
prune it. Its command, run as written, removes the old dumps alone; digest reads none of them
again (its papers, status and a dump moved back into the inbox are as before)."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess

from conftest import ROOT, make_dump


def test_the_readmes_way_to_prune_processed_dumps_keeps_the_recent_ones_and_loses_nothing_stored(workspace):
    readme = " ".join((ROOT / "README.md").read_text().split())
    said = re.search(r"`inbox/processed/` keeps every dump read, .*? it grows by each day's dumps", readme)
    assert said, "README says how inbox/processed/ grows"
    command = re.search(
        r"\(`(find inbox/processed [^`]*-delete)` keeps those written in the last 90 days;", readme
    )
    assert command, "README says how to prune inbox/processed/"
    # three dumps, each on its day: whole days of 24 hours (find's -mtime counts them so), not
    # the local clock's, one hour short across a change to summer time
    now = dt.datetime.now(dt.UTC)
    written = [now - dt.timedelta(days=age) for age in (400, 91, 2)]
    for n, at in enumerate(written):
        workspace.dump(
            f"day{n}.txt",
            make_dump(f"{at:%Y-%m-%d}", [(f"Probe {n}", f"We probe {n}.")]),
            mtime=at,
        )
    read = workspace.cli("ingest")
    assert read.exit_code == 0 and read.output.count(": 1 new paper") == 3, read.output
    processed = workspace.root / "inbox" / "processed"
    assert sorted(p.name for p in processed.iterdir()) == ["day0.txt", "day1.txt", "day2.txt"]

    subprocess.run(shlex.split(command[1]), cwd=workspace.root, check=True)

    assert [p.name for p in processed.iterdir()] == ["day2.txt"]  # the last 90 days' kept
    assert "Papers stored: 3" in workspace.cli("status").output  # nothing stored lost
    (processed / "day2.txt").rename(workspace.root / "inbox" / "day2.txt")  # moved back: read again
    again = workspace.cli("ingest")
    assert f"inbox/day2.txt: {written[2]:%Y-%m-%d} already ingested, nothing new" in again.output, (
        again.output
    )
