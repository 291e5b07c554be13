"""`digest serve` prints every reader's signed link: for a file made by hand under a removed
reader's name (another address), no pass since, that link is the newcomer's first, so the removed
reader's history is moved aside before it is printed, as `profile url` does (the real command, on
SQLite and PostgreSQL)."""

from __future__ import annotations

import urllib.request

import pytest
from helpers.newcomer_name import (  # noqa: F401  (ws: the fixture)
    HANG,
    archived,
    kim_removed_by_a_worker_ahead,
    records,
    until_link,
    ws,
    zed_after_ada,
)

pytestmark = pytest.mark.backends


def test_serve_moves_a_removed_readers_history_aside_before_printing_the_newcomers_link(ws):  # noqa: F811
    zed_after_ada(ws)
    with ws.serve_process(HANG) as proc:
        until_link(proc, "ada")
        (aside,) = archived(ws)  # moved aside before ada's link was printed
        assert records(ws, "ada") == {} and records(ws, aside)["ratings"] == 1


def test_serve_right_after_the_removal_is_noted_prints_a_newcomers_link_that_opens(ws):  # noqa: F811
    """As `profile url` (test_name_newcomer): the newcomer's link is signed past the second of the
    removal, or it is the removed reader's (410)."""
    kim_removed_by_a_worker_ahead(ws)
    with ws.serve_process(HANG) as proc:
        link = until_link(proc, "kim")[-1].split()[1]
        with urllib.request.urlopen(link) as answer:
            assert answer.status == 200 and "zed@example.net" in answer.read().decode()
