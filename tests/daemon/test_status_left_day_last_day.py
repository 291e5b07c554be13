"""`digest status` on the last day a day a stopped catch-up left (the server failing:
missed_days.leave) is in the week, left today: it was never asked for, and the fetches left today
ask for it (the oldest of the week, nothing holds it back), none after. Before, the line ended
"a week old: not asked for after today", which reads as a day asked for today. Real `digest fetch`
and `digest status` under libfaketime, a loopback API shaped like the real one, down while a
file exists; the source's `day` turned from yesterday to today between the two (its week a day
later: the day after the stop is its oldest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers.daily_papers import down_while
from helpers.faked import digest_at, needs_faketime

from digest.demo.http_server import LocalHttpServer

pytestmark = [needs_faketime, pytest.mark.backends]  # the days left are records of the store

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


def test_a_day_left_on_its_last_day_in_the_week_is_said_asked_for_at_the_fetches_left_today(
    workspace, tmp_path: Path
):
    down = tmp_path / "down"  # the API answers 503 while it exists
    with LocalHttpServer({"/api/daily_papers": down_while(down)}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        digest_at(workspace, "fetch", at=at(10, 6))  # the 9th
        down.touch()
        digest_at(workspace, "fetch", at=at(19, 6), code=1)  # the 11th fails, the 12th to the 17th left
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(text.replace("    retries: 0\n", "    retries: 0\n    day: today\n"))
        status = digest_at(workspace, "status", at=at(19, 7)).stdout  # its week now the 12th to the 18th
        down.unlink()
        digest_at(workspace, "fetch", at=at(19, 8))  # a fetch left today: it asks for the 12th, which comes
        after = digest_at(workspace, "status", at=at(19, 9)).stdout
    twelfth = [line for line in status.splitlines() if "the daily papers of 2026-12-12 " in line]
    assert twelfth == [
        "  and the daily papers of 2026-12-12 not asked for: the catch-up stopped at 2026-12-11, the server "
        "failing (at 2026-12-19 06:00 UTC); asked for at each fetch today, then a week old: not asked for "
        "after today"
    ], status
    assert "2026-12-12" not in after and "FAILED" not in after, after  # the words held: it was asked today
