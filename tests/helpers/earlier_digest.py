"""ada, a reader whose first day's digest (its one paper, "Neuromorphic Chips") the tests of an
earlier digest waiting for its retry have the server defer, and her rows of `digest send`'s table."""

from __future__ import annotations

from typing import Any

from conftest import Workspace, make_dump


def ada_with_chips(tmp_path, port: int, database: str) -> Workspace:
    """A workspace on the SMTP server at ``port`` and ``database``: ada (no zone: UTC's day), and
    the first day's dump, whose one paper is hers."""
    ws = Workspace(tmp_path, port, database=database)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day1.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    return ws


def rows_of_ada(done: Any) -> list[str]:
    """ada's rows of a `digest send` process's table, without her name and address."""
    return [" ".join(line.split()[2:]) for line in done.stdout.splitlines() if line.startswith("ada ")]
