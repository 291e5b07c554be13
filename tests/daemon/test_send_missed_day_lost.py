"""A missed day whose catch-up failed, and that no later fetch asks for again: `digest send` must
not promise it. A day the API answered 410 Gone for is not asked for again (missed_days: gone for
good), and the oldest day of the week looked back at leaves that week at the source's next fetch,
so its failure then is its last try. Each is said as such, where a day the next fetch asks for
again is said "the daemon asks for that day again at the source's next fetch". Real sends under a
chosen clock, a loopback API, aiosmtpd; the next day's send shows what is asked for."""

from __future__ import annotations

import datetime as dt

from helpers.hf_days import AGAIN, sends


def test_a_missed_day_answered_410_is_said_not_to_be_asked_for_again(mail_workspace, monkeypatch):
    said, asked = sends(mail_workspace, monkeypatch, {9: 410}, (9, 11, 12))  # Thursday: nothing ran
    friday = said[1]
    assert "date=2026-12-09" in friday and "410" in friday, friday
    assert AGAIN not in friday and "the daemon asks again at the source's next fetch time" not in friday, (
        friday
    )
    assert "hf_daily: not fetched, so these digests go without it:\n" in friday, friday  # nor by `fetch`
    assert "gone for good" in friday and "a day caught up on: not asked for again" in friday, friday
    assert asked[2] == [dt.date(2026, 12, 11)], asked  # Saturday: Wednesday's list not asked for


def test_the_oldest_day_of_the_week_caught_up_on_is_said_to_be_tried_for_the_last_time(
    mail_workspace, monkeypatch
):
    # Wednesday's list fails when Friday asks for it, and again a week later, the last day it is
    # in the week looked back at (Thursday the 17th: the source's day the 16th)
    said, asked = sends(mail_workspace, monkeypatch, {9: 503}, (9, 11, 17, 18))
    last = said[2]
    assert dt.date(2026, 12, 9) in asked[2] and "503" in last, last
    assert AGAIN not in last, last
    assert "a week old, the oldest day caught up on: not asked for again after today" in last, last
    assert dt.date(2026, 12, 9) not in asked[3], asked  # Friday the 18th: it was not
    assert AGAIN in said[1], said[1]  # the first failure: asked for again, and it was
