"""`digest send --dry-run` lists the readers' earlier digests (waiting for their retry) in the order
the `digest send` it previews lists them: all first, oldest first, then each reader's row of the new
digest (whose "besides the earlier digest above" holds in both). Before, the dry run put each
reader's earlier digest just above that reader's row: ada's earlier, ada's new, bob's earlier,
bob's new, where the send said ada's earlier, bob's earlier, ada's new, bob's new.

Real parts: real `digest send` processes with the clock on two days (libfaketime), a real loopback
port nobody listens on (the digests wait), SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from helpers.earlier_waiting import DAY1, DAY2
from helpers.faked import digest_at, needs_faketime

from digest.demo.smtp_server import free_port

from conftest import Workspace, make_dump

pytestmark = [pytest.mark.backends, needs_faketime]


def rows(said: str) -> list[tuple[str, bool]]:
    """Each reader row's reader, and whether it is of an earlier digest."""
    return [
        (line.split()[0], "earlier digest: " in line) for line in said.splitlines() if "@example.org" in line
    ]


def test_the_dry_run_lists_the_earlier_digests_first_as_the_send_does(tmp_path, database):
    ws = Workspace(tmp_path, free_port(), database=database)  # no server: every digest waits
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day1.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    digest_at(ws, "send", at=DAY1, code=1)
    ws.dump("day2.txt", make_dump("Mar 14", [("Neuromorphic Memory", "About neuromorphic memory.")]))
    digest_at(ws, "ingest", at=DAY2)

    dry = digest_at(ws, "send", "--dry-run", at=DAY2).stdout
    sent = digest_at(ws, "send", at=DAY2, code=1).stdout
    order = [("ada", True), ("bob", True), ("ada", False), ("bob", False)]
    assert rows(sent) == order, sent
    assert rows(dry) == order, dry  # was: ada's earlier, ada's new, bob's earlier, bob's new
