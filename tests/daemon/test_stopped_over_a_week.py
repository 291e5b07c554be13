"""A daily papers source not fetched for over a week (the daemon stopped for nine days, the
machine off on a holiday): its next fetch asks for the whole week before its own day, which the
API still serves, and says the days before that week, which it does not ask for (a week back at
most: no storm after a month away). Before, a source with no day of the last week asked for began
at its own day, as a new one does: the days of the stop were lost without a word, eight days of
papers that reached no one. Real `digest fetch` commands at chosen moments and a loopback API
shaped like the real one."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


@contextmanager
def _api(workspace, asked: list[str]) -> Iterator[None]:
    """The workspace's config given a daily papers source served by a loopback API shaped like the
    real one, each day asked for (its first page) added to ``asked``."""

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":
            asked.append(query["date"])
        return Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        yield


def _fetch(workspace, monkeypatch, day: int):
    at = dt.datetime(2026, 12, day, 6, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(importlib.import_module("digest.cli.fetch"), "now_utc", lambda: at)
    return workspace.cli("fetch")


def test_a_source_stopped_for_nine_days_asks_the_week_and_says_the_day_before_it(
    workspace, monkeypatch, caplog
):
    asked: list[str] = []
    with _api(workspace, asked):
        _fetch(workspace, monkeypatch, 10)  # the 9th; then nothing until the 19th
        asked.clear()
        caplog.clear()
        shown = _fetch(workspace, monkeypatch, 19)
    # before: only the 18th, and not a word of the 10th to the 17th
    assert asked == [f"2026-12-{d}" for d in range(11, 19)], asked
    assert "hf_daily: 2 papers of 2026-12-11: 2 new, 0 known" in shown.output, shown.output
    assert (
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of "
        "2026-12-10 were never asked for and are not asked for now (a week back at most): its "
        "papers never came"
    ) in caplog.messages, caplog.messages  # a WARNING: on stderr, and in the daemon's log


def test_a_new_source_still_begins_at_its_own_day(workspace, monkeypatch, caplog):
    asked: list[str] = []
    with _api(workspace, asked):
        shown = _fetch(workspace, monkeypatch, 19)
    assert asked == ["2026-12-18"], asked
    assert shown.exit_code == 0 and not any("never asked for" in m for m in caplog.messages), caplog.messages


def test_a_source_fetched_for_the_first_time_earlier_today_does_not_ask_the_week(
    workspace, monkeypatch, caplog
):
    """Its one fetch asked for its own day, no day of the week before it: it is a new source still."""
    asked: list[str] = []
    with _api(workspace, asked):
        _fetch(workspace, monkeypatch, 19)
        monkeypatch.setattr(
            importlib.import_module("digest.cli.fetch"),
            "now_utc",
            lambda: dt.datetime(2026, 12, 19, 9, 0, tzinfo=dt.UTC),
        )
        assert workspace.cli("fetch").exit_code == 0
    assert asked == ["2026-12-18", "2026-12-18"], asked  # before this fix: the 11th to the 17th too


def test_a_long_stop_with_a_day_loaded_by_hand_says_the_days_lost_as_two_runs(workspace, monkeypatch, caplog):
    """Every day of a long stop but one whose dump was loaded by hand: the days before and after
    it, each said as "<first> to <last>", not as a list of every date (a stop of months: a hundred)."""
    dump = workspace.root / "2026-12-05.json"
    dump.write_bytes(graph_page({"date": "2026-12-05"}))
    with _api(workspace, []):
        _fetch(workspace, monkeypatch, 1)  # the 30th of November; then nothing until the 25th
        assert workspace.cli("ingest", str(dump)).exit_code == 0
        caplog.clear()
        _fetch(workspace, monkeypatch, 25)  # the 17th to the 24th asked: the week
    said = "the daily papers of 2026-12-01 to 2026-12-04, 2026-12-06 to 2026-12-16 were never asked for"
    assert any(said in m for m in caplog.messages), caplog.messages  # before: 2026-12-01, 2026-12-02, ...


def test_a_source_whose_day_changed_during_the_stop_says_the_days_from_the_one_it_last_asked_for(
    workspace, monkeypatch, caplog
):
    """Its last fetch asked for yesterday's list (the 9th, on the 10th); its `day` is today now.
    The days lost are told from the day that fetch asked for, not from the one its `day` would
    ask for now: the 10th was never asked for either."""
    asked: list[str] = []
    with _api(workspace, asked):
        _fetch(workspace, monkeypatch, 10)
        workspace.config_path.write_text(workspace.config_path.read_text() + "    day: today\n")
        caplog.clear()
        _fetch(workspace, monkeypatch, 19)  # the 12th to the 18th asked: the week, then the 19th
    lost = [m for m in caplog.messages if "were never asked for" in m]
    # before: "the daily papers of 2026-12-11 were never asked for", of the 10th not a word
    assert len(lost) == 1 and "the daily papers of 2026-12-10, 2026-12-11 were never" in lost[0], lost


@pytest.mark.backends  # its url's fetches found under the old name: either database
def test_a_source_renamed_while_stopped_for_nine_days_asks_the_week_too(workspace, monkeypatch, caplog):
    # hf_daily renamed papers (its url the same: the same source, README): before, its next fetch
    # asked for its own day only, as a new source's, the eight days of the stop lost without a word
    asked: list[str] = []
    with _api(workspace, asked):
        _fetch(workspace, monkeypatch, 10)
        text = workspace.config_path.read_text()
        workspace.config_path.write_text(
            text.replace("  - kind: hf_daily\n", "  - kind: hf_daily\n    name: papers\n")
        )
        asked.clear()
        caplog.clear()
        shown = _fetch(workspace, monkeypatch, 19)
    assert asked == [f"2026-12-{d}" for d in range(11, 19)], asked
    assert "papers: 2 papers of 2026-12-11: 2 new, 0 known" in shown.output, shown.output
    assert (
        "papers: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of "
        "2026-12-10 were never asked for and are not asked for now (a week back at most): its "
        "papers never came"
    ) in caplog.messages, caplog.messages
