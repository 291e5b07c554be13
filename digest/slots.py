"""When each reader's digest is due: pure functions of a profile, a moment and the last period.

A *period* is the reader's local calendar day of a scheduled send (``2026-03-14``): daily
readers have one every day, ``weekdays`` readers Monday to Friday, ``weekly`` readers on their
chosen day. The send instant is ``send_at`` on that local day in the reader's time zone. A
reader gets at most one digest per period, whatever the clock does:

- Spring forward: a ``send_at`` inside the skipped hour (02:30 when clocks jump 02:00 -> 03:00)
  is read with the offset before the jump, so it happens once, later on the wall by the jump
  (an hour; 30 minutes on Lord Howe Island).
- Fall back: a ``send_at`` inside the repeated hour means its first occurrence; the second
  one belongs to the same period, which is already done.
- Downtime: a slot missed by less than the grace period is still sent (late); a slot missed
  by more is skipped, and the reader waits for the next one.
- A new time zone: a period is done if the reader's last digest was made at or after the
  period's send instant, or if its date was marked done by a digest made on or after that
  local day began (in the zone the reader is in now). A reader who moves east across the
  date line just after a digest is not sent a second one at once, on a local day of the new
  zone whose send time had passed when the digest was made. A reader who moves west gets
  the new zone's next day, even when its date is the one the last digest was made for: that
  digest was made before the new zone's day began (Tokyo's Mar 16 at 08:00 is still Mar 15
  in London). (A digest made before a day's send time leaves the day's own due: moving east,
  that day may have two.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from digest.models import Profile

LOOKAROUND_DAYS = 8  # every schedule has a slot within a week


@dataclass(frozen=True)
class Slot:
    period: str  # the local day, ISO
    at: dt.datetime  # the send instant, UTC
    begins: dt.datetime  # the instant the local day begins (its first moment), UTC


def sends_on(profile: Profile, day: dt.date) -> bool:
    if profile.frequency == "weekdays":
        return day.weekday() < 5
    if profile.frequency == "weekly":
        return day.weekday() == profile.weekday
    return True


def slot_on(profile: Profile, day: dt.date) -> Slot | None:
    if not sends_on(profile, day):
        return None
    local = dt.datetime.combine(day, profile.send_at, tzinfo=ZoneInfo(profile.timezone))  # fold=0
    return Slot(day.isoformat(), local.astimezone(dt.UTC), day_begins(profile, day))


def day_begins(profile: Profile, day: dt.date) -> dt.datetime:
    """The instant (UTC) the reader's local ``day`` begins. fold=0: where a zone skips its
    midnight (clocks jump from 00:00 to 01:00), the day begins at the jump."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(profile.timezone)).astimezone(dt.UTC)


def latest_slot(profile: Profile, now: dt.datetime) -> Slot | None:
    """The most recent scheduled slot at or before ``now``."""
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    for back in range(-1, LOOKAROUND_DAYS):
        slot = slot_on(profile, today - dt.timedelta(days=back))
        if slot is not None and slot.at <= now:
            return slot
    return None


def next_slot(
    profile: Profile, now: dt.datetime, after_period: str | None = None, last_at: dt.datetime | None = None
) -> Slot | None:
    """The first slot after ``now`` (or, if its period is done already, the one after).
    ``after_period``, ``last_at``: the reader's schedule state (see :func:`slot_done`)."""
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    for ahead in range(-1, LOOKAROUND_DAYS + 1):
        slot = slot_on(profile, today + dt.timedelta(days=ahead))
        if slot is None or slot_done(slot, after_period, last_at):
            continue
        if slot.at > now:
            return slot
    return None


def current_period(profile: Profile, now: dt.datetime) -> str:
    """The period ``now`` falls in: the reader's local day if it is one of their send days
    (before its send time too), else the period of their latest slot."""
    today = now.astimezone(ZoneInfo(profile.timezone)).date()
    if sends_on(profile, today):
        return today.isoformat()
    slot = latest_slot(profile, now)
    return slot.period if slot is not None else today.isoformat()


def send_period(
    profile: Profile,
    now: dt.datetime,
    grace: dt.timedelta,
    last_period: str | None = None,
    last_at: dt.datetime | None = None,
) -> str:
    """The period `digest send` sends now: the one a daemon's pass would serve (:func:`due_slot`),
    a send time the daemon missed that is not done and whose ``grace`` lasts (just after
    midnight, the evening before's: the new day's comes at its own send time), else
    :func:`current_period`. ``last_period``, ``last_at``: the reader's schedule state."""
    due = due_slot(profile, now, last_period, grace, last_at)
    return due.period if due is not None else current_period(profile, now)


def due_slot(
    profile: Profile,
    now: dt.datetime,
    last_period: str | None,
    grace: dt.timedelta,
    last_at: dt.datetime | None = None,
) -> Slot | None:
    """The slot to send now, if any: the latest one, not yet done, missed by at most ``grace``.

    ``last_period`` and ``last_at``: the reader's last period done and when its digest was made
    (their schedule state), None if they never had one."""
    if profile.paused:
        return None
    slot = latest_slot(profile, now)
    if slot is None or slot_done(slot, last_period, last_at):
        return None
    if now - slot.at > grace:
        return None
    return slot


def missed_slot(
    profile: Profile,
    now: dt.datetime,
    last_period: str | None,
    grace: dt.timedelta,
    last_at: dt.datetime | None = None,
    paused_at: dt.datetime | None = None,
) -> Slot | None:
    """The reader's latest send time that no pass served within ``grace``, if any: its digest is
    not made late, its papers go in the next one (README, *Restarts and crashes*). Only of a reader
    who had a digest before (``last_period``: a newcomer's first comes at their next send time)
    and not paused, then or now: ``paused_at``, the send time a pass found them paused at
    (:func:`paused_slot`, noted: digest.store_missed) is not missed once they are unpaused, their
    papers waiting for their next digest as a pause means. Said missed, by `digest run`'s passes
    and `digest status` alike, only while papers wait for the reader (digest.daemon.missed)."""
    if profile.paused or last_period is None:
        return None
    slot = latest_slot(profile, now)
    if slot is None or slot.at == paused_at or now - slot.at <= grace:
        return None
    if slot_done(slot, last_period, last_at):
        return None
    return slot


def paused_slot(
    profile: Profile, now: dt.datetime, last_period: str | None, last_at: dt.datetime | None = None
) -> Slot | None:
    """A paused reader's latest send time, passed and not served (their schedule state: ``last_period``,
    ``last_at``): a pass notes it, so that once unpaused it is not :func:`missed_slot`'s."""
    if not profile.paused or last_period is None:
        return None
    slot = latest_slot(profile, now)
    return None if slot is None or slot_done(slot, last_period, last_at) else slot


def slot_done(slot: Slot, last_period: str | None, last_at: dt.datetime | None) -> bool:
    """Whether ``slot``'s period had its digest: the last digest was made at or after the
    slot's send instant (a reader now in another time zone got it on this local day already),
    or the period was marked done (it or a later one) by a digest made on or after the slot's
    local day began. In one time zone a period is always marked on or after its day began
    (`digest send` marks today, or a day before); a mark made earlier is a date of a zone east
    of this one, whose day ran ahead: this zone's day of that date is still to be served."""
    if last_at is not None and slot.at <= last_at:
        return True
    if last_period is None or slot.period > last_period:
        return False
    return last_at is None or slot.begins <= last_at


def period_done(profile: Profile, period: str, last_period: str | None, last_at: dt.datetime | None) -> bool:
    """:func:`slot_done` for `digest send`'s current period (its slot's send instant; a day
    the reader has no slot on is done only if marked)."""
    slot = slot_on(profile, dt.date.fromisoformat(period))
    if slot is None:
        return last_period is not None and period <= last_period
    return slot_done(slot, last_period, last_at)


def served_before_its_time(
    profile: Profile, period: str, now: dt.datetime, last_period: str | None, last_at: dt.datetime | None
) -> bool:
    """Whether the reader's last digest, made on ``period``'s local day before its send time
    (``now`` is before it too), served an earlier period: a send time missed the evening before,
    sent just after midnight (:func:`send_period`). `digest send` leaves ``period`` to its send
    time then, as the daemon does: a second `send` is not a reason to take the day's early."""
    slot = slot_on(profile, dt.date.fromisoformat(period))
    if slot is None or last_period is None or last_at is None or last_period >= period:
        return False
    return slot.begins <= last_at and now < slot.at
