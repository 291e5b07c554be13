"""A workspace of several readers with a paper for each, and the command of a real `digest send`
process on it: for the tests of sends stopped or run side by side."""

from __future__ import annotations

import sys

from conftest import Workspace, make_dump


def readers_to_send(ws: Workspace, readers: int) -> list[str]:
    """Readers r0 ... r<readers - 1>, each interested in the one paper ingested; `digest send`'s command."""
    for i in range(readers):
        ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    assert ws.cli("ingest").exit_code == 0
    return [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
