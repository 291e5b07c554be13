"""`digest status` on a day whose daily papers failed and that left the week of catch-ups with no
fetch since (the daemon stopped, no `digest send` for days): said as a day whose papers never came,
not asked for again. Before, its line ("asked again at each fetch until a week old (the last on
...)") vanished the day after the last on, and nothing said that the day was given up: the source's
line showed its last fetch, a success, and the fetch that last asked for the day still had it in
its week. Said until the source's next fetch. Real `digest fetch` and `digest status` commands at
chosen moments, a loopback API shaped like the real one that fails for one day."""

from __future__ import annotations

from helpers.hf_days import at, busy, failed_days, hf_source, ninth_fails


def test_a_failed_day_past_its_week_with_no_fetch_since_is_said_to_have_never_come(workspace, monkeypatch):
    with hf_source(workspace, ninth_fails):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th fails
        at(workspace, monkeypatch, "fetch", 11)  # the 10th comes, the 9th fails again: no fetch after
        within = failed_days(at(workspace, monkeypatch, "status", 17, 7))
        assert len(within) == 1 and within[0].endswith("until a week old (the last on 2026-12-17)"), within
        shown = at(workspace, monkeypatch, "status", 25, 7)
        lines = failed_days(shown)
        assert len(lines) == 1, shown  # before: none, the source's line "fetched at 2026-12-11 06:00 UTC"
        assert lines[0].startswith("  and the daily papers of 2026-12-09 FAILED at 2026-12-11 06:00 UTC: "), (
            shown
        )
        assert lines[0].endswith(
            "503 Service Unavailable (after 1 attempt); over a week old, not asked for again since "
            "2026-12-18: its papers never came"
        ), shown
        at(workspace, monkeypatch, "fetch", 25)  # the source's next fetch: its week begins on the 17th
        assert failed_days(at(workspace, monkeypatch, "status", 25, 7)) == []


def test_a_source_whose_last_fetch_failed_over_a_week_ago_is_said_to_have_given_that_day_up(
    workspace, monkeypatch
):
    """The source's line shows its last fetch, failed, as it was ("FETCH FAILED at ..."): within
    the week its day is asked for again at the next fetch; past it, no fetch asks for it (a source
    idle longer than a week begins at its own day), which the line alone does not say."""
    with hf_source(workspace, busy):
        at(workspace, monkeypatch, "fetch", 10)  # the 9th fails; no fetch after
        assert failed_days(at(workspace, monkeypatch, "status", 17, 7)) == []  # asked at the next fetch
        shown = at(workspace, monkeypatch, "status", 18, 7)
    assert "Source hf_daily: FETCH FAILED at 2026-12-10 06:00 UTC: " in shown, shown
    assert failed_days(shown) == [
        "  and the daily papers of 2026-12-09, whose fetch above failed: over a week old, not asked for "
        "again since 2026-12-18: its papers never came"
    ], shown  # before: none
