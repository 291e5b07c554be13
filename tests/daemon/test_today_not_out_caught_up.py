"""A `day: today` daily papers source asked for its day before the day's page was out (an empty
answer, or an earlier day's list again: "not out yet"), then nothing ran until a later day (the
daemon stopped, the machine off): the day's list is asked for once more, after the day is over,
at the next fetch, before the days never asked for (digest.ingest.missed_days). An empty answer
given after the day was over (UTC, the API's days) is the day's: a day with no papers, not
asked again. Real `digest fetch` commands at chosen moments, a loopback API shaped like the
real one, answering each date asked for with that day's page, or `[]` for a page not out."""

from __future__ import annotations

import datetime as dt
import importlib
import logging

from helpers.daily_papers import as_the_api_sends

from digest.demo.http_server import LocalHttpServer, Route

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    day: today\n"


def fetches(workspace, monkeypatch, moments: list[tuple[int, int, set[str]]]) -> list[str]:
    """What `digest fetch` says at each (day of December 2026, hour UTC, the dates whose page is
    not out then: answered `[]`)."""
    empty: set[str] = set()

    def api(query: dict[str, str]) -> Route:
        day = dt.date.fromisoformat(query["date"])
        if query["date"] in empty or query.get("p", "0") != "0":
            return Route(b"[]")
        titles = [f"Graph topic {day.day} one", f"Graph topic {day.day} two"]
        return Route(as_the_api_sends(day, day - dt.timedelta(days=1), titles, 10000 + 10 * day.day))

    said = []
    with LocalHttpServer({"/api/daily_papers": api}) as server:
        config = workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        workspace.config_path.write_text(config)
        clock = importlib.import_module("digest.cli.fetch")
        for day, hour, not_out in moments:
            at = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(clock, "now_utc", lambda at=at: at)
            empty.clear()
            empty.update(not_out)
            said.append(workspace.cli("fetch").output.strip())
    return said


def test_a_day_not_out_when_asked_then_the_daemon_stopped_is_caught_up(workspace, monkeypatch):
    wednesday = {"2026-12-09"}  # its page not out at 09:00 on Wednesday; out later that day
    said = fetches(workspace, monkeypatch, [(8, 9, set()), (9, 9, wednesday), (11, 9, set())])
    assert said[1].splitlines()[-1].startswith("hf_daily: empty: no papers"), said  # nothing ran till Friday
    assert said[2].splitlines() == [
        f"hf_daily: 2 papers of 2026-12-{d:02d}: 2 new, 0 known" for d in (9, 10, 11)
    ], said


def test_a_day_empty_after_it_was_over_is_not_asked_again(workspace, monkeypatch):
    wednesday = {"2026-12-09"}  # a day without a page
    said = fetches(
        workspace, monkeypatch, [(8, 9, set()), (9, 9, wednesday), (11, 9, wednesday), (11, 10, wednesday)]
    )
    assert said[2].splitlines()[0].startswith("hf_daily: empty: no papers"), said  # asked once more
    assert said[3] == "hf_daily: 2 papers of 2026-12-11: already ingested, nothing new", said


def test_the_log_says_a_day_empty_when_asked_early_is_asked_for_again(workspace, monkeypatch, caplog):
    """The log's line of the days asked for first names why each may not have come: Wednesday's was
    asked for and answered, empty, before its day was over; it was neither never asked for nor a
    fetch that failed (before, the words named only those two)."""
    caplog.set_level(logging.INFO, logger="digest.ingest.missed_days")
    wednesday = {"2026-12-09"}
    fetches(workspace, monkeypatch, [(8, 9, set()), (9, 9, wednesday), (11, 9, set())])
    said = [r.getMessage() for r in caplog.records if r.name == "digest.ingest.missed_days"]
    assert said[-1] == (
        "hf_daily: the daily papers of 2026-12-09, 2026-12-10 may not all have come (never asked for, "
        "asked before their day was over, or their fetch failed): asking for them first"
    ), said
