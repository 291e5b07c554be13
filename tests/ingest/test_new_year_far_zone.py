"""A dump dated "Jan 1" saved just after midnight on New Year's Day where the page's day is far
east (UTC+14) is that New Year's listing, on a machine far west (UTC-11) too: the year comes from
the file's save time read in UTC, to which any zone's day is at most a day ahead, not from this
machine's date, which may be two days behind the page's (a real `digest ingest`, TZ set)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from digest.store import Store

from conftest import make_dump

SAVED = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=14)))  # 2025-12-31 10:30 UTC


def ingest_in(ws, zone: str) -> str:
    env = {**os.environ, "TZ": zone}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "ingest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_new_years_dump_saved_far_east_is_of_that_year_on_a_machine_far_west(workspace):
    workspace.dump(
        "newyear.txt", make_dump("Jan 1", [("Fireworks Detection", "Seeing fireworks.")]), mtime=SAVED
    )
    said = ingest_in(workspace, "Pacific/Pago_Pago")  # UTC-11: the file's local time is Dec 30, 23:30
    assert "newyear.txt: 2026-01-01, 1 entry" in said, said
    with Store(workspace.config.database) as store:
        assert [p.first_seen for p in store.papers()] == [dt.date(2026, 1, 1)]


def test_a_new_years_eve_dump_saved_after_midnight_is_of_the_year_before_on_a_machine_far_east(workspace):
    saved = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)  # the page's Dec 31, saved just after
    workspace.dump("eve.txt", make_dump("Dec 31", [("Countdown Models", "Counting down.")]), mtime=saved)
    said = ingest_in(workspace, "Pacific/Kiritimati")  # UTC+14: the file's local time is Jan 1, 14:30
    assert "eve.txt: 2025-12-31, 1 entry" in said, said
