"""`digest status` on a day whose daily papers every fetch failed, over a week old with no fetch
since, whose papers the operator loaded by hand (`digest ingest` of the day's dump): they came, so
it is not said to be a day whose "papers never came". Before, that line read only the fetches
table: "and the daily papers of 2026-12-09, whose fetch above failed: over a week old, not asked
for again since 2026-12-18: its papers never came", the day's two papers in the store. Real
`digest fetch`, `digest ingest` and `digest status` commands at chosen moments, a loopback API
shaped like the real one that fails."""

from __future__ import annotations

import datetime as dt
import importlib
import os

from helpers.daily_papers import graph_page
from helpers.hf_days import at, busy, hf_source

from digest.demo.http_server import Route


def _status_of_the_9th(workspace, monkeypatch, by_hand: bool) -> str:
    with hf_source(workspace, busy):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th fails; no fetch after
        if by_hand:
            dump = workspace.root / "2026-12-09.json"
            dump.write_bytes(graph_page({"date": "2026-12-09"}))
            loaded = workspace.cli("ingest", str(dump))
            assert loaded.exit_code == 0 and "2 new papers" in loaded.output, loaded.output
        return at(workspace, monkeypatch, "status", 18, 7)


def test_a_failed_day_whose_papers_were_loaded_by_hand_is_not_said_to_have_never_come(workspace, monkeypatch):
    shown = _status_of_the_9th(workspace, monkeypatch, by_hand=True)
    assert "Source hf_daily: FETCH FAILED at 2026-12-10 06:00 UTC: " in shown, shown  # as it was
    assert "never came" not in shown, shown


def test_without_them_it_is(workspace, monkeypatch):
    shown = _status_of_the_9th(workspace, monkeypatch, by_hand=False)
    assert (
        "  and the daily papers of 2026-12-09, whose fetch above failed: over a week old, not asked for "
        "again since 2026-12-18: its papers never came"
    ) in shown.splitlines(), shown


def test_a_day_loaded_by_hand_is_not_among_those_said_lost_after_a_stop(workspace, monkeypatch, caplog):
    """A source not fetched for over a week says the days before the week it asks for now, never
    asked for (tests/daemon/test_stopped_over_a_week.py): not one whose papers were loaded by hand."""
    with hf_source(workspace, lambda query: Route(graph_page(query))):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th; then nothing until the 21st
        dump = workspace.root / "2026-12-12.json"  # made once the 12th was over: its whole list
        dump.write_bytes(graph_page({"date": "2026-12-12"}))
        over = dt.datetime(2026, 12, 13, 5, 0, tzinfo=dt.UTC)  # not the real time: before the 13th, in part
        os.utime(dump, (over.timestamp(), over.timestamp()))
        monkeypatch.setattr(importlib.import_module("digest.cli.papers"), "now_utc", lambda: over)
        assert workspace.cli("ingest", str(dump)).exit_code == 0
        caplog.clear()
        at(workspace, monkeypatch, "fetch", 21)  # asks the 13th to the 20th
    lost = [m for m in caplog.messages if "never asked for" in m]
    assert lost == [
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-10, "
        "2026-12-11 were never asked for and are not asked for now (a week back at most): their papers "
        "never came"
    ], lost  # before: "of 2026-12-10 to 2026-12-12"
