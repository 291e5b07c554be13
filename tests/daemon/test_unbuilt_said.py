"""A reader whose digest cannot be made (a template of the user's failing for them alone), in the
daemon's log: said at ERROR once, again when what is wrong changes, at DEBUG at the passes between,
and once more if it fails again after the reader was served. It was the same ERROR line at every
pass (every ``poll_seconds``) until the template was fixed. `digest status` lists it all along."""

from __future__ import annotations

import datetime as dt
import logging

from helpers.failing_template import trap

from digest.daemon.service import Daemon

from conftest import make_dump


def failing_for_bob(ws, now: list[dt.datetime]) -> Daemon:
    """A daemon whose user's template fails for bob (ada is served)."""
    (ws.root / "tpl").mkdir()
    trap(ws, "no_such_value")
    ws.config_path.write_text(ws.config_path.read_text() + "templates: tpl\n")
    send_at = (now[0] - dt.timedelta(minutes=5)).strftime("%H:%M")
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
    return Daemon(ws.config, lambda: now[0])


def said_of_bob(daemon: Daemon, now: list[dt.datetime], caplog, n: int) -> list[tuple[str, str]]:
    """What ``n`` passes a minute apart log of bob: (level, line)."""
    caplog.set_level(logging.DEBUG, logger="digest")  # whatever level a test before left it at
    caplog.clear()
    for _ in range(n):
        now[0] += dt.timedelta(seconds=60)
        daemon.tick()
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    return [(level, text) for level, text in said if text.startswith("digest for bob")]


def test_a_digest_that_cannot_be_made_is_said_once_per_reader_and_reason(mail_workspace, caplog):
    ws = mail_workspace
    now = [dt.datetime.now(dt.UTC)]
    daemon = failing_for_bob(ws, now)

    def passes(n: int) -> list[tuple[str, str]]:
        return said_of_bob(daemon, now, caplog, n)

    first = passes(4)
    assert [level for level, _ in first] == ["ERROR", "DEBUG", "DEBUG", "DEBUG"]  # was: ERROR at each
    assert "'no_such_value' is undefined" in first[0][1] and first[0][1].endswith(
        "(said again if it changes, or in a day while it lasts)"
    )
    assert "bob: cannot build the message" in ws.cli("status").output  # listed all along

    trap(ws, "another_value")  # what is wrong changes: said again, once
    changed = passes(3)
    assert [level for level, _ in changed] == ["ERROR", "DEBUG", "DEBUG"]
    assert "'another_value' is undefined" in changed[0][1]

    trap(ws, None)  # fixed: bob is served
    assert [level for level, _ in passes(1)] == ["INFO"]  # 'digest for bob (...) queued: 1 paper'

    trap(ws, "another_value")  # the same failure as before, for the next day's digest: said again
    now[0] += dt.timedelta(days=1)
    ws.dump("next.txt", make_dump("Mar 15", [("Neuromorphic array", "A spiking array.")]))
    assert [level for level, _ in passes(2)] == ["ERROR", "DEBUG"]


def test_a_failure_that_lasts_is_said_again_a_day_later(mail_workspace, caplog):
    """A worker running for weeks said it once, at its first pass (in a log rotated since); a worker
    restarted said it again at once. It is said again at ERROR a day after it was last said."""
    ws = mail_workspace
    now = [dt.datetime.now(dt.UTC)]
    next_day = (now[0] - dt.timedelta(minutes=5) + dt.timedelta(days=1)).date()  # its send time's day
    daemon = failing_for_bob(ws, now)
    assert [level for level, _ in said_of_bob(daemon, now, caplog, 3)] == ["ERROR", "DEBUG", "DEBUG"]
    now[0] += dt.timedelta(days=1, minutes=-8)  # the next day's send time: that digest fails too
    ws.dump("next.txt", make_dump("Mar 15", [("Neuromorphic array", "A spiking array.")]))
    again = said_of_bob(daemon, now, caplog, 3)  # that day's digest failing: said (was: DEBUG for ever)
    assert [level for level, _ in again] == ["ERROR", "DEBUG", "DEBUG"]
    assert "'no_such_value' is undefined" in again[0][1] and f"({next_day})" in again[0][1]


def test_each_days_digest_that_fails_is_said_at_error_whatever_the_passes_timing(mail_workspace, caplog):
    """With `grace_minutes: 0` a daily reader is due at one pass a day (grace: one poll). Its next
    day's pass fell a moment short of a day after the ERROR (the passes' phase drifts by the time
    each takes): that day's failure went to DEBUG alone, and no later pass of that digest said it."""
    ws = mail_workspace
    now = [dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)]
    daemon = failing_for_bob(ws, now)
    send_at = (now[0] + dt.timedelta(seconds=60)).strftime("%H:%M")
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    ws.config_path.write_text(ws.config_path.read_text() + "scheduler:\n  grace_minutes: 0\n")
    daemon = Daemon(ws.config, lambda: now[0])
    now[0] += dt.timedelta(seconds=1)  # passes at hh:mm:01, a minute apart, from send_at on
    assert [level for level, _ in said_of_bob(daemon, now, caplog, 2)] == ["ERROR"]  # then not due
    # the next day's passes at send_at + 0.5 s (the due one: half a second short of a day since the
    # ERROR) and + 60.5 s (past the grace)
    now[0] += dt.timedelta(days=1, seconds=-120.5)
    ws.dump("next.txt", make_dump("Mar 15", [("Neuromorphic array", "A spiking array.")]))
    again = said_of_bob(daemon, now, caplog, 2)
    assert [level for level, _ in again] == ["ERROR"], again  # was: DEBUG, that day's log silent
    assert "'no_such_value' is undefined" in again[0][1]


def test_a_weekly_digest_that_fails_for_days_is_said_again_each_day(mail_workspace, caplog):
    """One digest failing at every pass for more than a day (a weekly reader, a grace of two days):
    said at ERROR a day after it was last said, at DEBUG between."""
    ws = mail_workspace
    now = [dt.datetime.now(dt.UTC)]
    daemon = failing_for_bob(ws, now)
    # the weekday of the send time five minutes ago, not of now: just after midnight UTC that is
    # yesterday's, whose slot has come (today's, at 23:5x, is a day away and last week's too old)
    due = now[0] - dt.timedelta(minutes=5)
    send_at, weekday = due.strftime("%H:%M"), due.strftime("%A").lower()
    ws.profile(
        "bob",
        f"email: bob@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n"
        f"frequency: weekly\nweekday: {weekday}\n",
    )
    ws.config_path.write_text(ws.config_path.read_text() + "scheduler:\n  grace_minutes: 2880\n")
    daemon = Daemon(ws.config, lambda: now[0])
    first = said_of_bob(daemon, now, caplog, 2)
    now[0] += dt.timedelta(days=1, minutes=-4)  # a day less 2, 1 min after the ERROR
    between = said_of_bob(daemon, now, caplog, 2)
    now[0] += dt.timedelta(minutes=2)  # a day on
    again = said_of_bob(daemon, now, caplog, 1)
    assert [level for level, _ in first + between + again] == ["ERROR", "DEBUG", "DEBUG", "DEBUG", "ERROR"]
    assert len({text.split(")")[0] for _, text in first + between + again}) == 1  # one digest (period)
