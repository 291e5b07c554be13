"""ada's first digest, tried at DAY1 with no server on the port, waiting for its retry, and the next
day's listing ingested at DAY2 (earlier_waiting): what the tests of a dry run or a send beside an earlier
digest's retry start from."""

from __future__ import annotations

import datetime as dt

from digest.demo.smtp_server import free_port
from helpers.faked import digest_at

from conftest import Workspace, make_dump

DAY1 = dt.datetime(2026, 3, 14, 20, 0)  # within a day of DAY2: retried, not given up
DAY2 = dt.datetime(2026, 3, 15, 7, 2)


def earlier_waiting(
    tmp_path, database: str, paper: tuple[str, str] = ("Neuromorphic Memory", "About neuromorphic memory.")
) -> Workspace:
    """ada's digest of Mar 13's listing (`digest send` at DAY1, no server on the port) waiting for its
    retry, and Mar 14's listing (its one ``paper``: title, abstract) ingested at DAY2."""
    ws = Workspace(tmp_path, free_port(), database=database)  # no server: the first digest waits
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day1.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    digest_at(ws, "send", at=DAY1, code=1)
    ws.dump("day2.txt", make_dump("Mar 14", [paper]))
    digest_at(ws, "ingest", at=DAY2)
    return ws
