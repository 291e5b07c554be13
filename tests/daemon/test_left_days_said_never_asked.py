"""The days a stopped catch-up left (the server failing: missed_days.leave) were never asked for,
and what is said of them later says so, not that their fetch failed. After a long stop, the
fetch whose catch-up met a down server (the 19th: the 11th failed, the 12th to the 17th left, its
own 18th failed) is the last for nine days; the next one says the days of that fetch's week it
does not ask for again: before, all of them as "the daily papers of 2026-12-11 to 2026-12-18,
whose fetch failed then", though six of them were never asked. Real `digest fetch` under
libfaketime, a loopback API shaped like the real one, down while a file exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.daily_papers import down_while
from helpers.faked import at, digest_at, needs_faketime
from helpers.hf_days import hf_source

pytestmark = [needs_faketime, pytest.mark.backends]  # the days left are records of the store

SINCE = "hf_daily: not fetched since 2026-12-19 06:00 UTC, over a week ago: the daily papers of "
NEVER_CAME = " (a week back at most): their papers never came"
ONE_NEVER_CAME = " (a week back at most): its papers never came"


def stopped_on_the_19th(workspace, down: Path) -> None:
    """The daily papers (hf_source's) fetched on the 10th (the 9th), then not until the 19th, the API
    down (``down`` made): the 11th fails, the catch-up stops, the 12th to the 17th left, the 18th fails."""
    digest_at(workspace, "fetch", at=at(10, 6))
    down.touch()
    digest_at(workspace, "fetch", at=at(19, 6), code=1)


def test_days_left_by_a_stopped_catch_up_are_said_never_asked_once_out_of_the_week(workspace, tmp_path: Path):
    down = tmp_path / "down"  # the API answers 503 while it exists

    with hf_source(workspace, down_while(down)):
        stopped_on_the_19th(workspace, down)
        down.unlink()
        later = digest_at(
            workspace, "fetch", at=at(28, 6)
        )  # nothing since: the 11th to the 18th out of the week
    said = [line.split(" WARNING digest.ingest.missed_days: ", 1)[1] for line in later.stderr.splitlines()]
    assert said == [
        SINCE + "2026-12-11, 2026-12-18, whose fetches failed then, are not asked for again" + NEVER_CAME,
        SINCE + "2026-12-12 to 2026-12-17, not asked for then (the catch-up stopped, the server failing), "
        "are not asked for" + NEVER_CAME,  # not "again": no fetch ever asked for them
        SINCE + "2026-12-19 were never asked for and are not asked for now" + ONE_NEVER_CAME,  # one day
    ], later.stderr


def test_status_says_a_day_left_by_a_stopped_catch_up_not_asked_for_not_failed(workspace, tmp_path: Path):
    """`digest status` lists each day that failed besides a source's last fetch; a day the catch-up
    left was never asked for: before, "the daily papers of 2026-12-12 FAILED at 2026-12-19 05:59 UTC:
    not asked for: ...; asked again at each fetch ...", a failure of a day no fetch had asked for."""
    down = tmp_path / "down"

    with hf_source(workspace, down_while(down)):
        stopped_on_the_19th(workspace, down)
        status = digest_at(workspace, "status", at=at(19, 7)).stdout
    assert "the daily papers of 2026-12-11 FAILED at 2026-12-19 06:00 UTC: http://" in status, status
    assert (
        "  and the daily papers of 2026-12-12 not asked for: the catch-up stopped at 2026-12-11, the server "
        "failing (at 2026-12-19 06:00 UTC); asked for at each fetch once 2026-12-11 answers or, that day "
        "a week old, from 2026-12-20"
    ) in status, status  # one day before it: said in the singular, and named (before: "the days ... answer")
    assert (
        "  and the daily papers of 2026-12-13 not asked for: the catch-up stopped at 2026-12-11, the server "
        "failing (at 2026-12-19 06:00 UTC); asked for at each fetch once the days before it answer or, "
        "theirs a week old, from 2026-12-21"
    ) in status, status  # two: the plural
    assert "2026-12-12 FAILED" not in status, status
    # nor "asked again" (before the review: "...; asked again at each fetch ..."): it was never asked
    left = [line for line in status.splitlines() if "not asked for: the catch-up stopped" in line]
    assert len(left) == 6 and not [line for line in left if "asked again" in line], status


def test_status_says_a_day_left_by_a_stopped_catch_up_not_asked_for_since_it_left_the_week(
    workspace, tmp_path: Path
):
    """Out of the week, no fetch since (the 28th, before its fetch), `digest status` says each day of
    that last fetch's week whose papers never came; one the catch-up left was never asked for:
    before, "...; over a week old, not asked for again since 2026-12-21: its papers never came"."""
    down = tmp_path / "down"

    with hf_source(workspace, down_while(down)):
        stopped_on_the_19th(workspace, down)
        status = digest_at(workspace, "status", at=at(28, 5)).stdout
    lines = [line for line in status.splitlines() if "over a week old" in line]
    assert len(lines) == 8, status
    assert lines[0].endswith(
        "(after 1 attempt); over a week old, not asked for again since 2026-12-20: its papers never came"
    ), status  # asked, and failed: "again" is true
    twelfth = next(line for line in lines if "daily papers of 2026-12-12 not asked for: the catch-up" in line)
    # before: "...; over a week old, not asked for since 2026-12-21: ...", read as asked before the 21st
    assert twelfth.endswith("; over a week old since 2026-12-21, never asked for: its papers never came"), (
        status
    )
    left = [line for line in lines if "not asked for: the catch-up stopped" in line]
    assert len(left) == 6 and not [line for line in left if "again" in line], status
