"""The daemon down all of one day: the daily papers it would have fetched that day (``day:
yesterday``: the list of the day before) are fetched at its next pass, before the day's, so their
papers reach the reader in the next digest and none is lost. A real pass (run_once) under a
chosen clock, a loopback API answering documents shaped like the real one's, aiosmtpd. That
digest, titled by its newest listing, says which days its papers are from (the days' listings,
not "the day's trending papers")."""

from __future__ import annotations

import datetime as dt

from helpers.daily_papers import page
from helpers.hf_days import at, hf_source

from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import Route
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store


def test_the_list_of_a_day_the_daemon_was_down_reaches_the_reader_the_next_day(mail_workspace, smtp_server):
    ws = mail_workspace
    lists = {dt.date(2026, 12, d): page(d) for d in (8, 9, 10)}  # Tuesday to Thursday

    def api(query: dict[str, str]) -> Route:
        asked = dt.date.fromisoformat(query["date"])
        return Route(b"[]" if query.get("p", "0") != "0" else lists.get(asked, b"[]"))

    with hf_source(ws, api):
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')

        def tick(day: int, hour: int):
            with (
                Store(ws.config.database) as store,
                SmtpSender(ws.config.smtp) as sender,
                Http(sleep=lambda s: None) as http,
            ):
                now = dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)
                return run_once(ws.config, store, load_profiles(ws.config), sender, now, http=http)

        tick(9, 7)  # Wednesday: Tuesday's list, and ada's digest
        # Thursday: the daemon down all day (Wednesday's list not fetched); Friday: Thursday's
        said = tick(11, 7)
    assert [m.message["Subject"] for m in smtp_server.messages] == [
        "Your research digest for Dec 8, 2026: 2 papers",
        "Your research digest for Dec 10, 2026: 4 papers",
    ], said
    friday = smtp_server.messages[1].message.get_body(("plain",)).get_content()
    assert "Graph topic 9 one" in friday and "Graph topic 10 one" in friday, friday
    html = smtp_server.messages[1].message.get_body(("html",)).get_content()  # of two days: said so
    assert "4 papers for ada from the trending papers of Dec 9 to Dec 10, 2026, picked for" in friday, friday
    assert "Picked from the trending papers of Dec 9 to Dec 10, 2026 for your interests: graph." in html


def test_digest_fetch_asks_for_the_days_never_asked_for_first_and_only_those(workspace, monkeypatch):
    lists = {dt.date(2026, 12, d): page(d) for d in (8, 9, 10)}

    def api(query: dict[str, str]) -> Route:
        asked = dt.date.fromisoformat(query["date"])
        return Route(b"[]" if query.get("p", "0") != "0" else lists.get(asked, b"[]"))

    with hf_source(workspace, api):  # Wednesday, then Friday twice (Thursday: nothing ran)
        said = [at(workspace, monkeypatch, "fetch", day).strip() for day in (9, 11, 11)]
    assert said == [
        "hf_daily: 2 papers of 2026-12-08: 2 new, 0 known",
        "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known\nhf_daily: 2 papers of 2026-12-10: 2 new, 0 known",
        "hf_daily: 2 papers of 2026-12-10: already ingested, nothing new",
    ], said


def test_a_missed_day_whose_catch_up_failed_is_asked_again_at_the_next_fetch(workspace, monkeypatch):
    lists = {dt.date(2026, 12, d): page(d) for d in (8, 9, 10, 11)}
    down = {dt.date(2026, 12, 9)}  # Wednesday's list: the API fails when Friday's pass asks for it

    def api(query: dict[str, str]) -> Route:
        asked = dt.date.fromisoformat(query["date"])
        if asked in down:
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(b"[]" if query.get("p", "0") != "0" else lists.get(asked, b"[]"))

    said = []
    with hf_source(workspace, api):
        for day in (9, 11, 12):  # Wednesday, Friday (Thursday: nothing ran), Saturday
            said.append(at(workspace, monkeypatch, "fetch", day).strip())
            down.clear() if day == 11 else None
    assert "2026-12-09" in said[1] and "503" in said[1], said
    assert said[2].splitlines() == [
        "hf_daily: 2 papers of 2026-12-09: 2 new, 0 known",
        "hf_daily: 2 papers of 2026-12-11: 2 new, 0 known",
    ], said


def test_digest_fetch_help_says_the_days_never_asked_for_are_asked_for_first(workspace):
    shown = " ".join(workspace.cli("fetch", "--help").output.split())
    assert "first asks for the days before its own that it never asked for, or that failed" in shown, shown
