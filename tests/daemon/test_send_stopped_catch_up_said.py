"""`digest send` stopped (Ctrl-C) while its fetch caught up on missed days: the days that failed
before the stop are asked again at the source's next fetch (its own day's fetch was not made: the
source is due at once), and a later one held back by an older one that failed "once 2026-12-09
answers or, that day a week old, from <date>", as when the fetch ends (FetchOutcome.behind, set on
both paths). Before, each said "the daemon's pass tries it again in 15 minutes" (the stopped day
read as the source's own day that failed), and the later one without its wait. Real `digest send`
in process, a real SIGINT sent while the API is asked for the 11th, a loopback API answering 404
for the 9th and the 10th (not the server's failure, as a 503 is, which would stop the catch-up at the
9th: test_catch_up_stops_when_the_server_fails), aiosmtpd."""

from __future__ import annotations

from helpers.hf_days import AGAIN, sends_stopped_in_catch_up


def test_a_send_stopped_in_its_catch_up_says_when_the_failed_days_are_asked_again(
    mail_workspace, monkeypatch
):
    with sends_stopped_in_catch_up(mail_workspace, monkeypatch, send_at="07:00") as said:
        ninth, tenth, eleventh = said[1].split("hf_daily: not fetched")[1:]
    assert "date=2026-12-09" in ninth and "date=2026-12-10" in tenth, said[1]
    assert "stopped before its answer" in eleventh, said[1]
    assert f"({AGAIN}, `digest fetch` now)" in ninth, said[1]
    behind = "once 2026-12-09 answers or, that day a week old, from 2026-12-18"
    assert f"({AGAIN} {behind}, `digest fetch` now)" in tenth, said[1]
    assert "15 minutes" not in said[1], said[1]  # was: "the daemon's pass tries it again in 15 minutes"
