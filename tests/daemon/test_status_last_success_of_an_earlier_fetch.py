"""`digest status` says when a source last succeeded beside a last fetch that failed, at the time of
the fetch run that succeeded. A catch-up is recorded a second before the fetch that made it
(ingest.fetch_all.fetch_with_missed: the day's own fetch stays the source's latest); while that
fetch's own record was the source's latest, status said the catch-up at its time, but once a later
fetch asked the day's address again (its record overwritten: one row an address), nothing stored
gave that fetch's time and the success was said "(last success 2026-12-11 05:59 UTC)", a minute
before a fetch "at 06:00". Each record keeps the time of the fetch run that wrote it (schema 38).
Real `digest fetch` and `digest status` commands at chosen moments, a loopback API shaped like the
real one."""

from __future__ import annotations

import pytest
from helpers.hf_days import api_failing, at, hf_source

pytestmark = pytest.mark.backends  # the fetches' records are the store's


def test_a_catch_up_that_went_well_is_said_at_its_fetch_s_time_after_a_later_fetch(workspace, monkeypatch):
    with hf_source(workspace, api_failing({"2026-12-10"})):  # Thursday's list: failing all Friday
        said = [
            at(workspace, monkeypatch, module, day, hour)
            for module, day, hour in (("fetch", 9, 6), ("fetch", 11, 6), ("fetch", 11, 7), ("status", 11, 8))
        ]
    assert "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known" in said[1], said[
        1
    ]  # Wednesday's, caught up at 06:00
    line = next(line for line in said[3].splitlines() if line.startswith("Source hf_daily:"))
    assert line.startswith("Source hf_daily: FETCH FAILED at 2026-12-11 07:00 UTC: "), said[3]
    # before: "(last success 2026-12-11 05:59 UTC)", the catch-up's record, a second before its fetch
    assert line.endswith(" (last success 2026-12-11 06:00 UTC)"), said[3]
