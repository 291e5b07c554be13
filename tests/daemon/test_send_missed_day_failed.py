"""`digest send` whose catch-up of a day never asked for (digest.ingest.missed_days) fails while
the source's own day is fetched: the daemon does not ask for that day again in 15 minutes (a
source's last fetch is its own day's, which went), but at the source's next fetch, as the day's
line now says. A real send under a chosen clock, a loopback API, aiosmtpd; then real passes."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.daily_papers import page
from helpers.hf_days import hf_source

from digest.daemon.tick import run_once
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import Route
from digest.ingest.http import Http
from digest.profiles.load import load_profiles
from digest.store import Store


def test_a_missed_day_that_failed_is_said_to_be_asked_for_at_the_next_fetch(mail_workspace, monkeypatch):
    ws = mail_workspace
    lists = {dt.date(2026, 12, d): page(d) for d in (8, 9, 10)}
    asked: list[dt.date] = []

    def api(query: dict[str, str]) -> Route:
        day = dt.date.fromisoformat(query["date"])
        asked.append(day)
        if day == dt.date(2026, 12, 9):  # Wednesday's list: the API fails when Friday asks for it
            return Route(b"busy", status=503, content_type="text/plain")
        return Route(b"[]" if query.get("p", "0") != "0" else lists.get(day, b"[]"))

    said = []
    with hf_source(ws, api):
        ws.profile("ada", 'email: ada@example.org\ninterests: ["graph"]\nsend_at: "07:00"\n')
        daily = importlib.import_module("digest.cli.daily")  # the module, not its command
        for day in (9, 11):  # Wednesday, then Friday (Thursday: nothing ran)
            at = dt.datetime(2026, 12, day, 7, 0, tzinfo=dt.UTC)
            monkeypatch.setattr(daily, "now_utc", lambda at=at: at)
            said.append(ws.cli("send").output)
        del asked[:]
        for minutes in (20, 40):  # the daemon's passes after the send: Wednesday's not asked again
            now = dt.datetime(2026, 12, 11, 7, minutes, tzinfo=dt.UTC)
            with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender, Http() as http:
                run_once(ws.config, store, load_profiles(ws.config), sender, now, http=http)
    assert asked == [], asked
    friday = said[1]
    assert "2026-12-09" in friday and "503" in friday, friday
    assert "tries it again in 15 minutes" not in friday, friday
    assert (
        "hf_daily: not fetched, so these digests go without it (the daemon asks for that day again "
        "at the source's next fetch, `digest fetch` now):"
    ) in friday, friday
    assert "hf_daily: fetched first: 2 papers of 2026-12-10: 2 new, 0 known" in friday, friday
