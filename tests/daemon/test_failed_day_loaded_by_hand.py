"""A day of the week before a source's own whose every fetch failed (the daily papers API down for
it) is asked again at each fetch until it is a week old: its papers never came. Not once its papers
are in the store all the same, its dump loaded by hand (`digest ingest`, as read by
missed_days.stored: a listing of that day of the source's format, with papers) once its UTC day was
over: they came. Before, the next fetch asked for it again ("the daily papers of 2026-12-09 may not
all have come ...: asking for them first"), and so each fetch for a week, and `digest status` said
"the daily papers of 2026-12-09 FAILED at 2026-12-11 06:00 UTC: ...; asked again at each fetch until
a week old".

A dump loaded during its day holds only the papers listed by then (the API's list grows through the
day): that day is still asked for, and the papers listed after the dump come. Counting it as got
would lose them for good.

Real `digest fetch`, `digest ingest` and `digest status` commands at chosen moments, a loopback API
shaped like the real one that fails for the 9th (at first; then, in one case, lists three papers
for it)."""

from __future__ import annotations

import datetime as dt

from helpers.daily_papers import as_the_api_sends, graph_page
from helpers.hf_days import at, hf_source

import digest.cli.papers
from digest.demo.http_server import Route
from digest.store import Store

NINTH = dt.date(2026, 12, 9)
THIRD = "Graph topic 9 three"  # listed on the 9th's page after its first two


def _fetches_after_the_9th_failed(
    workspace, monkeypatch, loaded_at: dt.datetime | None, answers_later: bool = False
) -> tuple[list[str], str]:
    asked: list[str] = []
    ninth: list[str] = []  # each ask of the 9th, over all the fetches

    def api(query: dict[str, str]) -> Route:
        if query.get("p", "0") == "0":  # a day asked for (its first page)
            asked.append(query["date"])
        if query["date"] != "2026-12-09":
            return Route(graph_page(query))
        ninth.append(query.get("p", "0"))
        if ninth.count("0") == 1 or not answers_later:  # its first ask, on the 10th, fails
            return Route(b"busy", status=503, content_type="text/plain")
        titles = [f"Graph topic 9 {n}" for n in ("one", "two")] + [THIRD]
        return Route(b"[]" if query.get("p", "0") != "0" else as_the_api_sends(NINTH, NINTH, titles, 10090))

    def load_by_hand() -> None:
        dump = workspace.root / "2026-12-09.json"
        dump.write_bytes(graph_page({"date": "2026-12-09"}))  # its first two papers
        monkeypatch.setattr(digest.cli.papers, "now_utc", lambda: loaded_at)
        loaded = workspace.cli("ingest", str(dump))
        assert loaded.exit_code == 0 and "2 new papers" in loaded.output, loaded.output

    with hf_source(workspace, api):
        if loaded_at is not None and loaded_at.day == 9:
            load_by_hand()
        at(workspace, monkeypatch, "fetch", 10)  # day: yesterday: the 9th, which fails
        if loaded_at is not None and loaded_at.day == 10:
            load_by_hand()
        asked.clear()
        at(workspace, monkeypatch, "fetch", 11)  # the 10th
        at(workspace, monkeypatch, "fetch", 12)  # the 11th
        return asked, at(workspace, monkeypatch, "status", 12, 7)


def _has_the_third(workspace) -> bool:
    with Store(workspace.config.database) as store:
        return store.db.execute("SELECT 1 FROM papers WHERE title = ?", (THIRD,)).fetchone() is not None


def test_a_failed_day_whose_papers_were_loaded_by_hand_is_not_asked_again_nor_said_failed(
    workspace, monkeypatch
):
    after_its_day = dt.datetime(2026, 12, 10, 7, tzinfo=dt.UTC)
    asked, shown = _fetches_after_the_9th_failed(workspace, monkeypatch, after_its_day)
    assert "2026-12-09" not in asked, asked  # was: asked at each fetch
    assert "2026-12-09 FAILED" not in shown, shown


def test_one_loaded_during_its_day_is_asked_again_for_the_papers_listed_after(workspace, monkeypatch):
    during_its_day = dt.datetime(2026, 12, 9, 15, tzinfo=dt.UTC)
    asked, shown = _fetches_after_the_9th_failed(workspace, monkeypatch, during_its_day, answers_later=True)
    assert asked.count("2026-12-09") == 1, asked  # on the 11th, answered: not asked on the 12th
    assert _has_the_third(workspace)  # listed after the dump was made: came with it
    assert "2026-12-09 FAILED" not in shown, shown


def test_without_them_it_is(workspace, monkeypatch):
    asked, shown = _fetches_after_the_9th_failed(workspace, monkeypatch, None)
    assert asked.count("2026-12-09") == 2, asked
    assert "the daily papers of 2026-12-09 FAILED at 2026-12-12 06:00 UTC: " in shown, shown
