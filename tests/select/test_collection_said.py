"""What indexing the new papers says in the log (`run --once`, `-v`): a count as the messages say it."""

from __future__ import annotations

import subprocess
import sys

from conftest import Workspace, make_dump


def test_one_paper_indexed_is_said_in_the_singular(tmp_path):
    """`digest -v status` after an ingest of one paper logged "collection statistics: 1 new
    papers indexed"."""
    ws = Workspace(tmp_path)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots walk. They state it.")]))
    assert ws.cli("ingest").exit_code == 0
    run = subprocess.run(
        [sys.executable, "-m", "digest", "-v", "--config", str(ws.config_path), "status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "collection statistics: 1 new paper indexed" in run.stderr
