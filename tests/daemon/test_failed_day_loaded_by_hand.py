"""A day of the week before a source's own whose every fetch failed (the daily papers API down for
it) is asked again at each fetch until it is a week old: its papers never came. Not once its papers
are in the store all the same, its dump loaded by hand (`digest ingest`, as read by
missed_days.stored: a listing of that day of the source's format, with papers): they came. Before,
the next fetch asked for it again ("the daily papers of 2026-12-09 may not all have come ...:
asking for them first"), and so each fetch for a week, and `digest status` said "the daily papers
of 2026-12-09 FAILED at 2026-12-11 06:00 UTC: ...; asked again at each fetch until a week old".
Real `digest fetch`, `digest ingest` and `digest status` commands at chosen moments, a loopback API
shaped like the real one that fails for the 9th."""

from __future__ import annotations

from helpers.daily_papers import graph_page
from test_status_day_loaded_by_hand import HF, _at

from digest.demo.http_server import LocalHttpServer, Route


def _fetches_after_the_9th_failed(workspace, monkeypatch, by_hand: bool) -> tuple[list[str], str]:
    asked: list[str] = []

    def api(query: dict[str, str]) -> Route:
        asked.append(query["date"])
        if query["date"] == "2026-12-09":
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(graph_page(query))

    with LocalHttpServer({"/api/daily_papers": api}) as server:
        workspace.config_path.write_text(
            workspace.config_path.read_text() + HF.replace("{base}", server.url(""))
        )
        _at(workspace, monkeypatch, "fetch", 10)  # day: yesterday: the 9th, which fails
        if by_hand:
            dump = workspace.root / "2026-12-09.json"
            dump.write_bytes(graph_page({"date": "2026-12-09"}))
            loaded = workspace.cli("ingest", str(dump))
            assert loaded.exit_code == 0 and "2 new papers" in loaded.output, loaded.output
        asked.clear()
        _at(workspace, monkeypatch, "fetch", 11)  # the 10th
        _at(workspace, monkeypatch, "fetch", 12)  # the 11th
        return asked, _at(workspace, monkeypatch, "status", 12, 7)


def test_a_failed_day_whose_papers_were_loaded_by_hand_is_not_asked_again_nor_said_failed(
    workspace, monkeypatch
):
    asked, shown = _fetches_after_the_9th_failed(workspace, monkeypatch, by_hand=True)
    assert "2026-12-09" not in asked, asked  # was: asked at each fetch
    assert "2026-12-09 FAILED" not in shown, shown


def test_without_them_it_is(workspace, monkeypatch):
    asked, shown = _fetches_after_the_9th_failed(workspace, monkeypatch, by_hand=False)
    assert asked.count("2026-12-09") == 2, asked
    assert "the daily papers of 2026-12-09 FAILED at 2026-12-12 05:59 UTC: " in shown, shown
