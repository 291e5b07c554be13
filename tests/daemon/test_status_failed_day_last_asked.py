"""`digest status` on the last day a failed day of daily papers is asked for (a week after it),
after that day's fetch asked for it and failed again: no fetch after today asks for it, so it is
said as such ("a week old: not asked for again after today", as the fetch itself says its
catch-up of that day). Before, the line still promised "asked again at each fetch until a week
old (the last on <today>)" until midnight, then the day was said as given up. Real `digest fetch`
and `digest status` commands at chosen moments, a loopback API shaped like the real one that
fails for one day."""

from __future__ import annotations

from helpers.hf_days import at, failed_days, hf_source, ninth_fails


def test_a_failed_day_asked_for_the_last_time_today_is_not_said_to_be_asked_again(workspace, monkeypatch):
    with hf_source(workspace, ninth_fails):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th fails
        at(workspace, monkeypatch, "fetch", 11)  # the 10th comes, the 9th fails again
        before = failed_days(at(workspace, monkeypatch, "status", 17, 5))  # the 17th's fetch to come
        assert len(before) == 1 and before[0].endswith("(the last on 2026-12-17)"), before
        at(workspace, monkeypatch, "fetch", 17)  # the last fetch that asks for the 9th: it fails
        shown = at(workspace, monkeypatch, "status", 17, 7)
    # the 9th's 503 is the server's: the catch-up stopped there, the 11th to the 15th left for the next
    # fetch (test_catch_up_stops_when_the_server_fails), each said as a failed day of its own
    lines = [line for line in failed_days(shown) if "daily papers of 2026-12-09 " in line]
    assert len(lines) == 1, shown
    assert lines[0].startswith("  and the daily papers of 2026-12-09 FAILED at 2026-12-17 06:00 UTC: "), shown
    # before: "...; asked again at each fetch until a week old (the last on 2026-12-17)"
    assert lines[0].endswith(
        "503 Service Unavailable (after 1 attempt); a week old: not asked for again after today"
    )
