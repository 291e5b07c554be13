"""`digest serve` prints every reader's signed link: for a file made by hand under a removed
reader's name (another address), no pass since, that link is the newcomer's first, so the removed
reader's history is moved aside before it is printed, as `profile url` does (the real command, on
SQLite and PostgreSQL)."""

from __future__ import annotations

import select
import subprocess

import pytest
from test_name_newcomer import archived, records, ws, zed_after_ada  # noqa: F401  (the fixture)

pytestmark = pytest.mark.backends

HANG = 300  # seconds: ends a server that hangs, times nothing


def until_link(proc: subprocess.Popen[str], user: str) -> list[str]:
    """The lines `digest serve` prints up to ``user``'s link (waits for them: nothing is timed)."""
    lines: list[str] = []
    while not any(line.strip().startswith(f"{user} ") for line in lines):
        assert select.select([proc.stdout], [], [], HANG)[0], "digest serve printed no link"
        line = proc.stdout.readline()
        assert line, "".join(lines) + proc.stderr.read()
        lines.append(line)
    return lines


def test_serve_moves_a_removed_readers_history_aside_before_printing_the_newcomers_link(ws):  # noqa: F811
    zed_after_ada(ws)
    with ws.serve_process(HANG) as proc:
        until_link(proc, "ada")
        (aside,) = archived(ws)  # moved aside before ada's link was printed
        assert records(ws, "ada") == {} and records(ws, aside)["ratings"] == 1
