"""A dump dropped in the inbox that lists a known paper with a corrected abstract says so on its
line, as a fetched listing's does ("1 known with another abstract: kept the first")."""

from __future__ import annotations

import subprocess
import sys

from digest.store import Store

from conftest import make_dump

FIRST = [("Spiking Networks for Robots", "We study spiking neural networks for robot control.")]
CORRECTED = [("Spiking Networks for Robots", "We study spiking neural networks for legged robot control.")]


def ingest(workspace) -> str:
    command = [sys.executable, "-m", "digest", "--config", str(workspace.config_path), "ingest"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_dropped_dump_with_a_corrected_abstract_says_the_first_is_kept(workspace):
    workspace.dump("monday.txt", make_dump("Mar 14", FIRST))
    assert "1 entry: 1 new paper, 0 already known\n" in ingest(workspace)
    workspace.dump("monday-again.txt", make_dump("Mar 14", CORRECTED))
    said = ingest(workspace)
    # before: "...monday-again.txt: 2026-03-14, 1 entry: 0 new papers, 1 already known", the
    # corrected abstract not said (the fetch of the same listing says it)
    assert "1 entry: 0 new papers, 1 already known; 1 known with another abstract: kept the first\n" in said
    with Store(workspace.config.database) as store:
        (paper,) = store.papers()
    assert paper.abstract == FIRST[0][1]


def test_a_dropped_dump_listing_the_same_abstract_again_says_nothing_more(workspace):
    workspace.dump("monday.txt", make_dump("Mar 14", FIRST))
    ingest(workspace)
    workspace.dump("monday-again.txt", make_dump("Mar 14", [*FIRST, ("Another Paper", "Another abstract.")]))
    assert "2 entries: 1 new paper, 1 already known\n" in ingest(workspace)
