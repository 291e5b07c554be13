"""When digests go out: an injected clock walks through time zones, DST changes and downtime."""

from __future__ import annotations

import datetime as dt

from digest.models import Interest, Profile
from digest.slots import due_slot, next_slot, send_period, served_before_its_time, slot_on

UTC = dt.UTC
GRACE = dt.timedelta(hours=4)


def reader(tz="UTC", at=(7, 30), frequency="daily", weekday=0, **kw) -> Profile:
    return Profile(
        user="r",
        email="r@example.org",
        interests=(Interest("x"),),
        timezone=tz,
        send_at=dt.time(*at),
        frequency=frequency,
        weekday=weekday,
        **kw,
    )


def simulate(
    profile, start, end, step=dt.timedelta(minutes=5), down=(), grace=GRACE, last=None, last_at=None
):  # noqa: E501
    """Tick every ``step`` from start to end (skipping ``down`` intervals); return the sends.
    ``last``, ``last_at``: the schedule state before ``start`` (the last period and when)."""
    sent, now = [], start
    while now < end:
        if not any(a <= now < b for a, b in down):
            slot = due_slot(profile, now, last, grace, last_at)
            if slot:
                sent.append((slot.period, now))
                last, last_at = slot.period, now
        now += step
    return sent


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_daily_reader_west_of_utc_gets_one_digest_a_day_at_local_time():
    sent = simulate(reader("America/New_York", (7, 30)), utc(2026, 1, 5), utc(2026, 1, 8))
    assert sent == [
        ("2026-01-05", utc(2026, 1, 5, 12, 30)),
        ("2026-01-06", utc(2026, 1, 6, 12, 30)),
        ("2026-01-07", utc(2026, 1, 7, 12, 30)),
    ]


def test_a_reader_east_of_utc_gets_the_digest_of_their_local_day_the_utc_evening_before():
    sent = simulate(reader("Asia/Tokyo", (6, 45)), utc(2026, 1, 4, 12), utc(2026, 1, 6, 12))
    assert sent == [("2026-01-05", utc(2026, 1, 4, 21, 45)), ("2026-01-06", utc(2026, 1, 5, 21, 45))]


def test_spring_forward_neither_skips_nor_doubles_even_inside_the_missing_hour():
    # Europe/London jumps from 01:00 to 02:00 on 2026-03-29; 01:30 does not exist that day
    sent = simulate(reader("Europe/London", (1, 30)), utc(2026, 3, 27, 12), utc(2026, 3, 30, 12))
    assert [p for p, _ in sent] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    # 01:30 GMT, then the missing 01:30 read as GMT (02:30 BST on the wall), then 01:30 BST
    assert [t.time() for _, t in sent] == [dt.time(1, 30), dt.time(1, 30), dt.time(0, 30)]
    # New York jumps 02:00 -> 03:00 on 2026-03-08; a 07:30 reader moves from 12:30 to 11:30 UTC
    ny = simulate(reader("America/New_York", (7, 30)), utc(2026, 3, 7), utc(2026, 3, 10))
    assert [t for _, t in ny] == [utc(2026, 3, 7, 12, 30), utc(2026, 3, 8, 11, 30), utc(2026, 3, 9, 11, 30)]


def test_fall_back_sends_once_although_the_hour_happens_twice():
    # Europe/London repeats 01:00-02:00 on 2026-10-25
    sent = simulate(reader("Europe/London", (1, 30)), utc(2026, 10, 24, 12), utc(2026, 10, 27, 12))
    assert [p for p, _ in sent] == ["2026-10-25", "2026-10-26", "2026-10-27"]
    assert sent[0][1] == utc(2026, 10, 25, 0, 30)  # the first 01:30 (BST)
    # New York repeats 01:00-02:00 on 2026-11-01
    ny = simulate(reader("America/New_York", (1, 15)), utc(2026, 10, 31), utc(2026, 11, 3))
    assert [p for p, _ in ny] == ["2026-10-31", "2026-11-01", "2026-11-02"]


def test_weekdays_readers_get_nothing_on_saturday_and_sunday():
    sent = simulate(reader("Europe/Berlin", (8, 0), "weekdays"), utc(2026, 3, 13), utc(2026, 3, 17))
    assert [p for p, _ in sent] == ["2026-03-13", "2026-03-16"]  # Friday, then Monday


def test_weekly_readers_get_one_digest_on_their_day():
    sent = simulate(reader("UTC", (9, 0), "weekly", weekday=2), utc(2026, 3, 1), utc(2026, 3, 22))
    assert [p for p, _ in sent] == ["2026-03-04", "2026-03-11", "2026-03-18"]  # Wednesdays


def test_downtime_within_the_grace_period_sends_late_and_past_it_waits_for_the_next_day():
    down_short = [(utc(2026, 1, 5, 7), utc(2026, 1, 5, 9))]  # down at 07:30, up by 09:00
    sent = simulate(reader(at=(7, 30)), utc(2026, 1, 5), utc(2026, 1, 6), down=down_short)
    assert sent == [("2026-01-05", utc(2026, 1, 5, 9))]
    down_long = [(utc(2026, 1, 5, 7), utc(2026, 1, 5, 12))]  # back 4.5 hours late
    sent = simulate(reader(at=(7, 30)), utc(2026, 1, 5), utc(2026, 1, 6, 12), down=down_long)
    assert sent == [("2026-01-06", utc(2026, 1, 6, 7, 30))]


def test_a_reader_added_mid_day_gets_today_only_if_within_the_grace_period():
    within = simulate(reader(at=(7, 30)), utc(2026, 1, 5, 10), utc(2026, 1, 6, 8))
    assert [p for p, _ in within] == ["2026-01-05", "2026-01-06"]
    assert within[0][1] == utc(2026, 1, 5, 10)
    past = simulate(reader(at=(7, 30)), utc(2026, 1, 5, 14), utc(2026, 1, 6, 8))
    assert past == [("2026-01-06", utc(2026, 1, 6, 7, 30))]


def test_a_paused_reader_is_never_due():
    assert simulate(reader(paused=True), utc(2026, 1, 5), utc(2026, 1, 9)) == []


def test_a_period_already_done_is_not_due_again_even_if_the_clock_goes_back():
    profile = reader(at=(7, 30))
    assert due_slot(profile, utc(2026, 1, 5, 8), "2026-01-05", GRACE) is None
    assert due_slot(profile, utc(2026, 1, 5, 8), "2026-01-06", GRACE) is None


def test_the_next_slot_skips_a_period_already_done():
    profile = reader("America/New_York", (7, 30))
    assert next_slot(profile, utc(2026, 1, 5, 12)).at == utc(2026, 1, 5, 12, 30)
    assert next_slot(profile, utc(2026, 1, 5, 12), "2026-01-05").at == utc(2026, 1, 6, 12, 30)


def test_a_reader_who_moves_east_across_the_date_line_after_a_digest_gets_no_second_one_that_day():
    # 08:00 in Pago Pago (UTC-11) on Mar 16 is 19:00 UTC: already 09:00 on Mar 17 in Kiritimati
    # (UTC+14), whose 08:00 slot of Mar 17 (18:00 UTC) is an hour before it
    (first,) = simulate(reader("Pacific/Pago_Pago", (8, 0)), utc(2026, 3, 16, 18), utc(2026, 3, 16, 20))
    assert first == ("2026-03-16", utc(2026, 3, 16, 19))
    moved = reader("Pacific/Kiritimati", (8, 0))
    sent = simulate(moved, utc(2026, 3, 16, 19, 30), utc(2026, 3, 19), last=first[0], last_at=first[1])
    assert sent == [("2026-03-18", utc(2026, 3, 17, 18)), ("2026-03-19", utc(2026, 3, 18, 18))]


def test_a_reader_who_moves_west_gets_the_new_zones_next_day_even_of_the_same_date():
    # 08:00 in Tokyo on Mar 16 is 23:00 UTC on Mar 15, still Mar 15 in London: that digest was
    # London's Mar 15's (made after its 08:00), and London's Mar 16 is still to be served
    moved = reader("Europe/London", (8, 0))
    end = utc(2026, 3, 18, 12)
    sent = simulate(moved, utc(2026, 3, 15, 23, 30), end, last="2026-03-16", last_at=utc(2026, 3, 15, 23))
    assert sent == [
        ("2026-03-16", utc(2026, 3, 16, 8)),
        ("2026-03-17", utc(2026, 3, 17, 8)),
        ("2026-03-18", utc(2026, 3, 18, 8)),
    ]
    # what the daemon's due index and `digest status` look at next
    assert next_slot(moved, utc(2026, 3, 15, 23, 30), "2026-03-16", utc(2026, 3, 15, 23)).at == utc(
        2026, 3, 16, 8
    )


def test_a_reader_who_moves_far_west_gets_no_second_digest_on_a_local_day_that_had_one():
    # 08:00 in Kiritimati (UTC+14) on Mar 17 is 18:00 UTC on Mar 16: 06:00 on Mar 16 on Baker
    # Island (UTC-12). Baker's Mar 16 had that digest (made after it began), its Mar 17 is next
    moved = reader("Etc/GMT+12", (8, 0))
    sent = simulate(
        moved, utc(2026, 3, 16, 18, 30), utc(2026, 3, 18, 21), last="2026-03-17", last_at=utc(2026, 3, 16, 18)
    )
    assert sent == [("2026-03-17", utc(2026, 3, 17, 20)), ("2026-03-18", utc(2026, 3, 18, 20))]


def test_a_period_marked_before_its_send_time_in_the_same_zone_stays_done():
    # `digest send` at 06:00 on Mar 16 (send time 07:30): Mar 16 is done, Mar 17 is next
    profile = reader("America/New_York", (7, 30))
    early = utc(2026, 3, 16, 10)  # 06:00 in New York
    sent = simulate(profile, early, utc(2026, 3, 17, 14), last="2026-03-16", last_at=early)
    assert sent == [("2026-03-17", utc(2026, 3, 17, 11, 30))]
    assert next_slot(profile, early, "2026-03-16", early).period == "2026-03-17"


def test_a_day_whose_midnight_is_skipped_begins_at_the_jump():
    # Santiago springs forward at 24:00 on Sep 5, 2026: Sep 6 begins at 01:00 (04:00 UTC)
    slot = slot_on(reader("America/Santiago", (8, 0)), dt.date(2026, 9, 6))
    assert slot.begins == utc(2026, 9, 6, 4) and slot.at == utc(2026, 9, 6, 11)


def test_a_send_after_midnight_sends_the_evening_before_while_its_grace_lasts_and_is_not_done():
    # 21:00 in New York (EDT) on Mar 17 is 01:00 UTC on Mar 18; its midnight 04:00 UTC
    profile = reader("America/New_York", (21, 0))
    after = utc(2026, 3, 18, 4, 10)  # 00:10, 3 h 10 min after the send time: the daemon owes Mar 17
    assert send_period(profile, after, GRACE) == "2026-03-17"
    assert send_period(profile, after, GRACE, "2026-03-16", utc(2026, 3, 17, 1)) == "2026-03-17"
    served = ("2026-03-17", utc(2026, 3, 18, 1, 2))  # the evening before had its digest: the new day
    assert send_period(profile, after, GRACE, *served) == "2026-03-18"
    assert send_period(profile, utc(2026, 3, 18, 5, 10), GRACE) == "2026-03-18"  # its grace over
    assert send_period(profile, utc(2026, 3, 18, 2), GRACE) == "2026-03-17"  # before midnight: as ever
    assert send_period(profile, utc(2026, 3, 19, 1, 30), GRACE, *served) == "2026-03-18"  # its own time


def test_a_send_again_after_the_evening_befores_digest_leaves_the_new_day_to_its_send_time():
    profile = reader("America/New_York", (21, 0))  # Mar 18 begins at 04:00 UTC, its 21:00 is 01:00 UTC
    served = ("2026-03-17", utc(2026, 3, 18, 4, 10))  # by a send at 00:10, its 21:00 missed
    assert served_before_its_time(profile, "2026-03-18", utc(2026, 3, 18, 4, 20), *served)
    assert served_before_its_time(profile, "2026-03-18", utc(2026, 3, 18, 13), *served)  # the morning
    assert not served_before_its_time(profile, "2026-03-18", utc(2026, 3, 19, 1, 30), *served)  # its time
    on_time = ("2026-03-17", utc(2026, 3, 18, 1, 1))  # the evening's served before midnight
    assert not served_before_its_time(profile, "2026-03-18", utc(2026, 3, 18, 4, 20), *on_time)
    assert not served_before_its_time(profile, "2026-03-18", utc(2026, 3, 18, 4, 20), None, None)
    weekly = reader("UTC", (21, 0), "weekly", weekday=2)  # the week before's sent on the day, at 00:10
    assert served_before_its_time(
        weekly, "2026-03-18", utc(2026, 3, 18, 0, 20), "2026-03-11", utc(2026, 3, 18, 0, 10)
    )


def test_a_send_on_a_weekly_readers_day_is_that_days_unless_the_week_before_is_owed():
    profile = reader("UTC", (21, 0), "weekly", weekday=2)  # Wednesdays
    assert send_period(profile, utc(2026, 3, 19, 0, 10), GRACE) == "2026-03-18"  # Thursday: Wednesday's
    assert send_period(profile, utc(2026, 3, 17, 12), GRACE) == "2026-03-11"  # Tuesday: the last one's
    assert send_period(profile, utc(2026, 3, 18, 0, 10), GRACE) == "2026-03-18"  # a week ago: past the grace
    week = dt.timedelta(days=7)  # the longest grace: the daemon still owes the week before on the day
    assert send_period(profile, utc(2026, 3, 18, 0, 10), week) == "2026-03-11"
    assert (
        send_period(profile, utc(2026, 3, 18, 0, 10), week, "2026-03-11", utc(2026, 3, 11, 21))
        == "2026-03-18"
    )


def test_a_send_after_midnight_on_a_day_the_clocks_change_sends_the_slot_the_daemon_owes():
    # London springs forward at 01:00 GMT on Mar 29: its 23:30 of Mar 28 is 23:30 UTC
    london = reader("Europe/London", (23, 30))
    assert send_period(london, utc(2026, 3, 29, 0, 10), GRACE) == "2026-03-28"
    assert send_period(london, utc(2026, 3, 29, 1, 10), GRACE, "2026-03-28", utc(2026, 3, 28, 23, 30)) == (
        "2026-03-29"  # 02:10 BST, the jump passed: the new day
    )
    # Santiago's Sep 6 begins at the jump (01:00, 04:00 UTC): its 23:00 of Sep 5 (03:00 UTC) is owed
    santiago = reader("America/Santiago", (23, 0))
    assert send_period(santiago, utc(2026, 9, 6, 4, 10), GRACE) == "2026-09-05"
    # the repeated hour: London's 01:30 of Oct 25 served at its first (00:30 UTC); at the second, done
    fall = reader("Europe/London", (1, 30))
    assert send_period(fall, utc(2026, 10, 25, 1, 35), GRACE, "2026-10-25", utc(2026, 10, 25, 0, 30)) == (
        "2026-10-25"
    )
