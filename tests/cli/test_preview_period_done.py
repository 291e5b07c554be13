"""`digest preview` of a reader whose digest of this period went already: the preview is their
next digest, which `digest send` does not send now ("already sent today at ..."), so the preview
says so on stderr, with when that next digest goes (a real SMTP server, the command line)."""

from __future__ import annotations

import datetime as dt

from conftest import make_dump

PAPERS = [("Gardening Robots", "Robots that water plants."), ("Event Cameras", "Vision on chips.")]
MORE = [("Gardening Drones", "Drones that water plants.")]


def test_a_preview_after_this_periods_digest_says_send_sends_it_not_now(mail_workspace, smtp_server):
    ws = mail_workspace
    today = dt.datetime.now(dt.UTC)
    day = f"{today:%b} {today.day}"
    weekday = f"{today:%A}".lower()
    ws.profile(
        "ada", f"email: ada@example.org\ninterests: [gardening]\nfrequency: weekly\nweekday: {weekday}\n"
    )
    ws.profile("bob", "email: bob@example.org\ninterests: [gardening]\nsend_at: '00:00'\n")
    ws.dump("day.txt", make_dump(day, PAPERS))
    assert ws.cli("ingest").exit_code == 0
    before = ws.cli("preview", "ada", "--text")
    assert "already" not in before.stderr  # this week's digest is still to go: no note

    sent = ws.cli("send")
    assert sent.exit_code == 0 and len(smtp_server.messages) == 2, sent.output
    ws.dump("more.txt", make_dump(day, MORE))
    assert ws.cli("ingest").exit_code == 0
    shown = ws.cli("preview", "ada", "--text")
    assert "Gardening Drones" in shown.stdout  # the next digest, as `rank --next` shows it
    again = ws.cli("send")
    assert "already sent today at" in again.output and len(smtp_server.messages) == 2  # not now
    next_week = (today + dt.timedelta(days=7)).date()
    assert "note: ada's digest of this period was already sent today at" in shown.stderr, shown.stderr
    assert f"the next one, which the daemon sends on {next_week:%a %Y-%m-%d} at 07:00 UTC" in shown.stderr, (
        shown.stderr
    )
    tomorrow = (today + dt.timedelta(days=1)).date()
    bob = ws.cli("preview", "bob", "--text")
    assert f"the next one, which the daemon sends on {tomorrow:%a %Y-%m-%d} at 00:00 UTC" in bob.stderr, (
        bob.stderr
    )


def test_a_preview_of_today_after_its_digest_is_that_digest_and_not_said_the_next(
    mail_workspace, smtp_server
):
    """`--date` of today, once today's digest is made, shows that digest (README: "a day that had a
    digest is chosen from the papers stored when it was made"), not the next one: no note says it
    is the next one, which goes tomorrow."""
    ws = mail_workspace
    today = dt.datetime.now(dt.UTC)
    listed = today - dt.timedelta(days=1)  # yesterday's listing, sent today
    day = f"{listed:%b} {listed.day}"
    ws.profile("bob", "email: bob@example.org\ninterests: [gardening]\nsend_at: '00:00'\n")
    ws.dump("day.txt", make_dump(day, PAPERS))
    assert ws.cli("ingest").exit_code == 0
    assert ws.cli("send").exit_code == 0 and len(smtp_server.messages) == 1
    ws.dump("more.txt", make_dump(day, MORE))
    assert ws.cli("ingest").exit_code == 0

    shown = ws.cli("preview", "bob", "--text", "--date", f"{today:%Y-%m-%d}")
    assert "Gardening Robots" in shown.stdout and "Gardening Drones" not in shown.stdout  # as sent
    assert "this preview is the next one" not in shown.stderr, shown.stderr
    upcoming = ws.cli("preview", "bob", "--text")  # without --date: the next one, and said so
    assert "Gardening Drones" in upcoming.stdout and "this preview is the next one" in upcoming.stderr
