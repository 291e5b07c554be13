"""A daily papers source not fetched for over a week whose last fetch failed (the API down that
morning, then the daemon stopped): its next fetch says that day's papers never came, with the days
never asked for, as `digest status` said of it until then ("the daily papers of 2026-12-09, whose
fetch above failed: over a week old, ..."). Before, the fetch said only the days never asked for
(the 10th), and once it was made `status` no longer said the 9th: nothing said it again. A last day
whose answer held no papers after it was over (a weekend's) lost nothing and is not said; one asked
only before it was over (`day: today` in the morning), its list not out yet, is: its papers never
came either (before, nothing said it). Real
`digest fetch` and `digest status` commands at chosen moments, a loopback API shaped like the real
one."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from helpers.daily_papers import graph_page

from digest.demo.http_server import LocalHttpServer, Route

pytestmark = pytest.mark.backends  # the fetches and listings are records of the store: either database

HF = "sources:\n  - kind: hf_daily\n    url: {base}/api/daily_papers?date={date}\n    retries: 0\n"


def _run(workspace, monkeypatch, caplog, first: Route, day: str = "") -> tuple[str, list[str]]:
    """`digest status` before the fetch of the 19th, and what that fetch logged, the 10th's fetch
    (of the 9th; ``day``: the source's `day`) answered ``first``."""
    answers = [first]

    def api(query: dict[str, str]) -> Route:
        return answers.pop() if answers else Route(graph_page(query))

    def at(command: str, day: int, hour: int = 6) -> str:
        moment = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(importlib.import_module(f"digest.cli.{command}"), "now_utc", lambda: moment)
        return workspace.cli(command).output

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url("")) + day
        )
        at("fetch", 10)  # the 9th; then nothing until the 19th
        status = at("status", 19, 5)
        caplog.clear()
        at("fetch", 19)
    return status, [m for m in caplog.messages if "over a week ago" in m]


def test_the_failed_last_day_before_a_long_stop_is_said_by_the_fetch_as_by_status(
    workspace, monkeypatch, caplog
):
    status, said = _run(workspace, monkeypatch, caplog, Route(b"busy", status=503, content_type="text/plain"))
    assert "the daily papers of 2026-12-09, whose fetch above failed: over a week old" in status, status
    assert said == [  # before: the second alone
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-09, "
        "whose fetch failed then, are not asked for again (a week back at most): its papers never came",
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-10 "
        "were never asked for and are not asked for now (a week back at most): its papers never came",
    ], said


def test_an_empty_last_day_lost_nothing_and_is_not_said(workspace, monkeypatch, caplog):
    status, said = _run(workspace, monkeypatch, caplog, Route(b"[]"))  # the 9th held no papers
    assert not [line for line in status.splitlines() if line.startswith("  and the daily papers")], status
    assert len(said) == 1 and "of 2026-12-10 were never asked for" in said[0], said


def test_a_last_day_asked_only_before_its_list_was_out_is_said(workspace, monkeypatch, caplog):
    """`day: today`, fetched at 06:00 UTC on the 10th: the 10th's list not out yet, and no fetch after
    the day was over to ask for it again."""
    _, said = _run(workspace, monkeypatch, caplog, Route(b"[]"), day="    day: today\n")
    assert said == [  # before: the second alone
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-10, "
        "asked for before it was over and not out yet, are not asked for again (a week back at most): "
        "its papers never came",
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-11 "
        "were never asked for and are not asked for now (a week back at most): its papers never came",
    ], said


def test_a_last_day_asked_only_while_its_list_was_filling_is_said(workspace, monkeypatch, caplog):
    """`day: today`, fetched at 06:00 UTC on the 10th, its page already holding two papers (stored),
    and no fetch after the day was over to ask for the rest: the papers listed later never came.
    Before, nothing said it (the day had papers: neither failed nor not out)."""
    filling = Route(graph_page({"date": "2026-12-10"}))
    _, said = _run(workspace, monkeypatch, caplog, filling, day="    day: today\n")
    assert said == [  # before: the second alone
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-10, "
        "asked for before it was over, are not asked for again (a week back at most): the papers of its "
        "earlier answer kept (its list may have grown since)",  # before: "their", as of several days
        "hf_daily: not fetched since 2026-12-10 06:00 UTC, over a week ago: the daily papers of 2026-12-11 "
        "were never asked for and are not asked for now (a week back at most): its papers never came",
    ], said


def test_status_says_a_last_day_asked_only_before_it_was_over_once_out_of_the_week(
    workspace, monkeypatch, caplog
):
    """`digest status` before that fetch of the 19th says the 10th as that fetch will, under the
    source's line, as it says a failed last day ("whose fetch above failed: over a week old, ..."):
    before, nothing of it until the fetch came (the source's line said only "2 papers of 2026-12-10"
    or "no papers in the hf_daily listing of 2026-12-10")."""
    today = "    day: today\n"
    not_out, _ = _run(workspace, monkeypatch, caplog, Route(b"[]"), day=today)
    assert (
        "  and the daily papers of 2026-12-10, asked for before it was over and not out yet (the fetch "
        "above): over a week old, not asked for again since 2026-12-18: its papers never came"
    ) in not_out, not_out


def test_status_says_a_last_day_asked_while_its_list_was_filling_once_out_of_the_week(
    workspace, monkeypatch, caplog
):
    filling, _ = _run(
        workspace, monkeypatch, caplog, Route(graph_page({"date": "2026-12-10"})), "    day: today\n"
    )
    assert (
        "  and the daily papers of 2026-12-10, asked for before it was over (the fetch above): over a "
        "week old, not asked for again since 2026-12-18: the papers of its earlier answer kept (its list may "
        "have grown since)"
    ) in filling, filling


def test_several_days_asked_only_while_their_lists_were_filling_are_said_in_the_plural(
    workspace, monkeypatch, caplog
):
    """In Tokyo (`day: today`), fetched at 08:00 on the 10th and the 11th (23:00 UTC the day before):
    each asked its day's list before the API's day was over, the 10th not asked again on the 11th (not
    over in UTC then), then nothing until the 21st. One line says both, in the plural; one day's
    (above) is in the singular, as status's line of each day."""

    def at(command: str, day: int, hour: int) -> str:
        moment = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(importlib.import_module(f"digest.cli.{command}"), "now_utc", lambda: moment)
        return workspace.cli(command).output

    with LocalHttpServer({"/api/daily_papers": lambda query: Route(graph_page(query))}) as server:
        source = HF.replace("{base}", server.url("")) + "    day: today\n"
        workspace.config_path.write_text(
            workspace.config_path.read_text() + "timezone: Asia/Tokyo\n" + source
        )
        at("fetch", 9, 23)  # the 10th in Tokyo
        at("fetch", 10, 23)  # the 11th
        caplog.clear()
        at("fetch", 21, 23)
    said = [m for m in caplog.messages if "over a week ago" in m]
    assert said[0] == (
        "hf_daily: not fetched since 2026-12-10 23:00 UTC, over a week ago: the daily papers of 2026-12-10, "
        "2026-12-11, asked for before they were over, are not asked for again (a week back at most): the "
        "papers of their earlier answers kept (their lists may have grown since)"
    ), said
