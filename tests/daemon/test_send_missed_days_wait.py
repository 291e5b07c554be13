"""`digest send` whose catch-up of several missed days failed (a 404 for each: a failure that is not the
server's, as a 503 is, which stops the catch-up at the first day:
test_catch_up_stops_when_the_server_fails): the next fetch asks for the oldest of them, and once it
fails again the later ones wait for the next fetch after it (ingest.fetch_all.fetch_with_missed: no
storm against an API already down). So `send` says the oldest is asked for again at the source's next
fetch, and each later one "once <the older day> answers or, that day a week old, from <date>" (of several
older ones: "once the days before it answer or, theirs a week old, from <date>"), as
`digest status` says them (digest.daemon.failed_days, both by missed_days.behind): not a promise the
next fetch breaks. Before, `send` left out the "from <date>" that `status` says. Real sends under a
chosen clock, a loopback API, aiosmtpd; the next day's send shows what is asked for."""

from __future__ import annotations

import datetime as dt
import importlib

from helpers.hf_days import AGAIN, sends


def test_a_later_failed_day_is_said_to_wait_for_the_days_before_it(mail_workspace, monkeypatch):
    # nothing ran on the 10th and 11th; the API failing for their lists (day: yesterday)
    said, asked = sends(mail_workspace, monkeypatch, {9: 404, 10: 404}, (9, 12, 13))
    saturday = said[1].split("hf_daily: not fetched")
    assert "date=2026-12-09" in saturday[1] and "date=2026-12-10" in saturday[2], said[1]
    assert f"({AGAIN}, `digest fetch` now)" in saturday[1], said[1]  # the oldest: asked, and it is
    # the 9th's last ask is on the 17th (a week after it, `day: yesterday`): the 10th from the 18th
    waits = f"({AGAIN} once 2026-12-09 answers or, that day a week old, from 2026-12-18, `digest fetch` now)"
    assert waits in saturday[2], said[1]
    assert asked[2] == [dt.date(2026, 12, 9), dt.date(2026, 12, 12)], asked  # the 9th failed: the 10th waited


def test_with_its_own_day_failed_too_a_later_day_waits_for_the_15_minute_retry_of_the_ones_before(
    mail_workspace, monkeypatch
):
    said, _ = sends(mail_workspace, monkeypatch, {9: 404, 10: 404, 11: 404}, (9, 12))
    saturday = said[1].split("hf_daily: not fetched")
    retry = "(the daemon's pass tries it again in 15 minutes"
    assert f"{retry}, `digest fetch` now)" in saturday[1], said[1]
    behind = "once 2026-12-09 answers or, that day a week old, from 2026-12-18"
    assert f"{retry} {behind}, `digest fetch` now)" in saturday[2], said[1]
    assert f"{retry}, `digest fetch` now)" in saturday[3], said[1]  # its own day: asked whatever failed


def test_send_and_status_say_the_later_day_s_wait_alike(mail_workspace, monkeypatch):
    said, _ = sends(mail_workspace, monkeypatch, {9: 404, 10: 404}, (9, 12))
    at = dt.datetime(2026, 12, 12, 7, 1, tzinfo=dt.UTC)
    monkeypatch.setattr(importlib.import_module("digest.cli.status"), "now_utc", lambda: at)
    shown = mail_workspace.cli("status").output
    behind = "once 2026-12-09 answers or, that day a week old, from 2026-12-18"
    assert f"{AGAIN} {behind}, `digest fetch` now)" in said[1], said[1]
    assert f"asked again at each fetch {behind}, until a week old" in shown, shown
