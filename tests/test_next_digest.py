"""A reader's next digest, end to end with a real SMTP server: whatever mix of `send`, the
daemon's ticks, failures and bounces, a reader gets at most one digest per period, and
`preview` shows exactly what is sent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.refusing import Refusing

from digest.compose.preview import preview
from digest.daemon.sendnow import ALREADY, send_now
from digest.daemon.status import collect_status, format_status
from digest.daemon.tick import run_once
from digest.deliver.outbox import Outbox
from digest.deliver.suppressions import Suppressions
from digest.demo.smtp_server import LocalSmtpServer, Received, free_port
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL

MON_0700 = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
DAY_1 = [("Neuromorphic Day One", "Spikes."), ("Neuromorphic Leftover", "spikes"), ("Soup", "Soup.")]
DAY_2 = [("Neuromorphic Day Two", "More spikes."), ("Neuromorphic Day One", "Spikes again.")]
ADA = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\nmax_papers: 1\n'


def add_dump(ws: Workspace, name: str, day: str, papers, now: dt.datetime) -> None:
    path = ws.dump(name, make_dump(day, papers), where="dumps", mtime=now)
    with Store(ws.config.database) as store:
        ingest(store, [path], now)


def send(ws: Workspace, now: dt.datetime, force: bool = False):
    config = ws.config
    with Store(config.database) as store:  # the configured transport: SMTP
        return send_now(config, store, load_profiles(config), None, now, force=force)


def tick(ws: Workspace, now: dt.datetime):
    config = ws.config
    with Store(config.database) as store:
        return run_once(config, store, load_profiles(config), None, now)


def titles(received: Received) -> list[str]:
    text = received.message.get_body(("plain",)).get_content()
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line]


def test_send_then_the_daemon_at_the_send_time_mails_the_reader_once(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    report = send(ws, MON_0700)
    assert [o.ok for o in report.delivered] == [True]
    status = format_status(collect_status(ws.config, MON_0700 + dt.timedelta(minutes=1)))
    assert "due now" not in status and "0 papers at 2026-03-17 07:30 UTC" in status
    for minutes in (30, 31, 45, 200):  # the daemon's ticks through the send time and grace
        assert tick(ws, MON_0700 + dt.timedelta(minutes=minutes)).scheduled == ()
    assert len(smtp_server.messages) == 1


def test_a_second_send_in_the_period_queues_nothing_and_says_so_and_force_sends_whats_new(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", ADA)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    send(ws, MON_0700 + dt.timedelta(minutes=2))
    again = send(ws, MON_0700 + dt.timedelta(minutes=10))
    (plan,) = again.planned
    assert plan.action == ALREADY and plan.note == "already sent today at 07:02 UTC"
    assert again.queued == () and len(smtp_server.messages) == 1  # not the leftover paper
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, MON_0700 + dt.timedelta(minutes=20))
    forced = send(ws, MON_0700 + dt.timedelta(minutes=30), force=True)
    assert [o.ok for o in forced.delivered] == [True]
    assert titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]  # new since the first


def test_failed_sends_queue_one_digest_for_the_period_that_goes_out_when_the_server_is_back(
    database, tmp_path
):
    with LocalSmtpServer() as server:
        dead = free_port()
        ws = Workspace(tmp_path, dead, database=database)  # nobody listens there: the server is down
        ws.profile("ada", ADA)
        add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
        for minutes in (0, 5, 10):
            report = send(ws, MON_0700 + dt.timedelta(minutes=minutes))
            assert [o.unreachable for o in report.delivered] == [True]
        tick(ws, MON_0700 + dt.timedelta(minutes=31))
        with Store(ws.config.database) as store:
            assert len(Outbox(store).messages()) == 1  # retried, never queued again
        ws.config_path.write_text(ws.config_path.read_text().replace(str(dead), str(server.port)))
        report = send(ws, MON_0700 + dt.timedelta(minutes=40))  # retried at once, not queued anew
        assert [(o.ok, o.papers) for o in report.delivered] == [(True, 1)]
        tick(ws, MON_0700 + dt.timedelta(minutes=50))
        assert len(server.messages) == 1


def test_a_550_address_is_attempted_once_until_the_reader_is_released(database, tmp_path):
    handler = Refusing({"ada@example.org"}, "550 5.1.1 mailbox unavailable")
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", ADA)
        add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
        assert [o.reply for o in send(ws, MON_0700).delivered] == ["550 5.1.1 mailbox unavailable"]
        add_dump(ws, "d2.txt", "Mar 16", DAY_2, MON_0700 + dt.timedelta(hours=20))
        send(ws, MON_0700 + dt.timedelta(days=1))
        send(ws, MON_0700 + dt.timedelta(days=1), force=True)
        tick(ws, MON_0700 + dt.timedelta(days=2, minutes=30))
        assert handler.refusals == 1
        status = format_status(collect_status(ws.config, MON_0700 + dt.timedelta(days=2)))
        assert "Suppressed readers" in status and "550 5.1.1 mailbox unavailable" in status
        assert "suppressed (hard bounce)" in status
        released = ws.cli("suppressed", "--release", "ada")
        assert released.exit_code == 0, released.output
        send(ws, MON_0700 + dt.timedelta(days=2, hours=1))
        assert handler.refusals == 2  # tried again once released


def test_a_new_address_in_the_profile_lifts_the_suppression(database, tmp_path):
    handler = Refusing({"ada@example.org"}, "550 5.1.1 mailbox unavailable")
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        ws.profile("ada", ADA)
        add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
        send(ws, MON_0700)
        ws.profile("ada", ADA.replace("ada@example.org", "ada@example.net"))
        with Store(ws.config.database) as store:
            (profile,) = load_profiles(ws.config)
            assert Suppressions(store).blocking(profile) is None
        tick(ws, MON_0700 + dt.timedelta(days=1, minutes=30))
        assert [m.rcpt_tos for m in server.messages] == [["ada@example.net"]]


def normalize(raw: bytes) -> bytes:
    """The message less what differs between two builds of it: Message-ID and MIME boundary."""
    text = raw.decode()
    text = re.sub(r"^Message-ID: .*$", "Message-ID: <MESSAGE-ID>", text, flags=re.M)
    for boundary in set(re.findall(r'boundary="([^"]+)"', text)):
        text = text.replace(boundary, "<BOUNDARY>")
    return text.encode()


def test_preview_is_byte_for_byte_what_the_daemon_sends_a_new_reader(mail_workspace, smtp_server):
    ws = mail_workspace
    add_dump(
        ws, "d0.txt", "Mar 1", [("Neuromorphic in March", "old spikes")], MON_0700 - dt.timedelta(days=15)
    )
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    ws.profile("ada", ADA.replace("max_papers: 1", "max_papers: 5"))
    at = MON_0700 + dt.timedelta(minutes=30)
    shown = preview(ws.config, "ada", at)
    assert sorted(m.paper.title for m in shown.digest.matches) == [
        "Neuromorphic Day One",
        "Neuromorphic Leftover",
    ]
    tick(ws, at)
    (received,) = smtp_server.messages
    assert normalize(received.data) == normalize(shown.data)
    assert received.message["Date"] == shown.message["Date"]


def test_preview_after_a_digest_shows_only_what_came_since(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    tick(ws, MON_0700 + dt.timedelta(minutes=30))
    assert preview(ws.config, "ada", MON_0700 + dt.timedelta(hours=1)).digest.matches == ()
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, MON_0700 + dt.timedelta(hours=20))
    at = MON_0700 + dt.timedelta(days=1, minutes=30)
    shown = preview(ws.config, "ada", at)
    tick(ws, at)
    assert normalize(smtp_server.messages[1].data) == normalize(shown.data)
    assert titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]


def test_an_old_listing_ingested_late_fills_the_archive_not_the_next_digest(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA.replace("max_papers: 1", "max_papers: 5"))
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    tick(ws, MON_0700 + dt.timedelta(minutes=30))
    later = MON_0700 + dt.timedelta(hours=20)
    january = [("Neuromorphic in January", "old spikes"), ("Neuromorphic Again", "listed twice")]
    add_dump(ws, "backfill.txt", "Jan 10", january, later)  # an archive dropped in the inbox
    add_dump(ws, "late.txt", "Mar 12", [("Neuromorphic Three Days Late", "spikes")], later)
    add_dump(ws, "d2.txt", "Mar 16", [("Neuromorphic Again", "listed twice")], later)
    at = MON_0700 + dt.timedelta(days=1, minutes=30)
    shown = preview(ws.config, "ada", at)
    assert sorted(m.paper.title for m in shown.digest.matches) == [
        "Neuromorphic Again",  # in an old listing, but in today's too
        "Neuromorphic Three Days Late",
    ]
    assert shown.digest.day == dt.date(2026, 3, 16)
    tick(ws, at)
    assert sorted(titles(smtp_server.messages[1])) == ["Neuromorphic Again", "Neuromorphic Three Days Late"]
    assert "Neuromorphic in January" in ws.cli("rank", "ada").output  # kept in the archive


def test_a_listing_dated_in_the_future_holds_no_later_listing_back(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA.replace("max_papers: 1", "max_papers: 5"))
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    wrong_clock = [("Neuromorphic From The Future", "A clock far ahead.")]
    path = ws.dump(
        "future.txt", make_dump("Dec 20", wrong_clock), where="dumps", mtime=dt.datetime(2026, 12, 19)
    )
    with Store(ws.config.database) as store:
        ingest(store, [path], MON_0700 - dt.timedelta(hours=5))  # read as 2026-12-20, in March
    tick(ws, MON_0700 + dt.timedelta(minutes=30))
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, MON_0700 + dt.timedelta(hours=20))
    shown = preview(ws.config, "ada", MON_0700 + dt.timedelta(days=1, minutes=30))
    assert [m.paper.title for m in shown.digest.matches] == ["Neuromorphic Day Two"]


def test_rank_next_ranks_the_next_digests_window_and_status_counts_it(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", ADA.replace("max_papers: 1", "max_papers: 5"))
    add_dump(
        ws, "d0.txt", "Mar 1", [("Neuromorphic in March", "old spikes")], MON_0700 - dt.timedelta(days=15)
    )
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=6))
    everything = ws.cli("rank", "ada")
    assert "Neuromorphic in March" in everything.output
    window = ws.cli("rank", "ada", "--next")
    assert window.exit_code == 0, window.output
    assert "Neuromorphic in March" not in window.output and "Neuromorphic Day One" in window.output
    status = format_status(collect_status(ws.config, MON_0700))
    assert "2 papers at 2026-03-16 07:30 UTC" in status


def test_a_reader_who_moves_to_a_zone_where_it_is_already_tomorrow_gets_no_second_digest_that_day(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    pago = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "08:00"\n'
    pago += "timezone: Pacific/Pago_Pago\n"
    ws.profile("ada", pago)
    sent_at = dt.datetime(2026, 3, 16, 19, 0, tzinfo=dt.UTC)  # 08:00 on Mar 16 in Pago Pago (UTC-11)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, sent_at - dt.timedelta(hours=6))
    assert [o.ok for o in send(ws, sent_at).delivered] == [True]
    # the reader moves to Kiritimati (UTC+14): it is 09:30 on Mar 17 there, past its 08:00
    ws.profile("ada", pago.replace("Pago_Pago", "Kiritimati"))
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, sent_at + dt.timedelta(minutes=10))
    later = sent_at + dt.timedelta(minutes=30)
    assert tick(ws, later).scheduled == ()
    (plan,) = send(ws, later).planned
    assert plan.action == ALREADY and plan.note == "already sent today at 09:00 +14"
    status = format_status(collect_status(ws.config, later))
    assert "due now" not in status and "1 paper at 2026-03-18 08:00 +14" in status  # the reader's time
    assert len(smtp_server.messages) == 1
    next_morning = dt.datetime(2026, 3, 17, 18, 1, tzinfo=dt.UTC)  # 08:01 on Mar 18 in Kiritimati
    assert [s.papers for s in tick(ws, next_morning).scheduled] == [1]
    assert len(smtp_server.messages) == 2 and titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]


def moved_west(ws: Workspace) -> dt.datetime:
    """ada's digest sent at 08:00 on Mar 16 in Tokyo (23:00 UTC on Mar 15, the instant returned),
    then her profile moved to London, where it is still Mar 15; a listing for Mar 16 comes in."""
    tokyo = 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "08:00"\ntimezone: Asia/Tokyo\n'
    ws.profile("ada", tokyo)
    sent_at = dt.datetime(2026, 3, 15, 23, 0, tzinfo=dt.UTC)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, sent_at - dt.timedelta(hours=6))
    assert [o.ok for o in send(ws, sent_at).delivered] == [True]
    ws.profile("ada", tokyo.replace("Asia/Tokyo", "Europe/London"))
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, sent_at + dt.timedelta(minutes=10))
    return sent_at


def test_a_reader_who_moves_west_gets_the_new_zones_day_of_the_same_date(mail_workspace, smtp_server):
    ws, sent_at = mail_workspace, moved_west(mail_workspace)
    later = sent_at + dt.timedelta(minutes=30)
    assert tick(ws, later).scheduled == ()
    status = format_status(collect_status(ws.config, later))
    assert "1 paper at 2026-03-16 08:00 GMT" in status  # not Mar 17's
    morning = dt.datetime(2026, 3, 16, 8, 1, tzinfo=dt.UTC)
    assert [s.papers for s in tick(ws, morning).scheduled] == [1]
    assert len(smtp_server.messages) == 2 and titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]
    assert tick(ws, morning + dt.timedelta(hours=2)).scheduled == ()  # one for London's Mar 16


def test_send_after_moving_west_makes_the_new_zones_day_of_the_same_date(mail_workspace, smtp_server):
    ws, sent_at = mail_workspace, moved_west(mail_workspace)
    (plan,) = send(ws, sent_at + dt.timedelta(minutes=30)).planned  # 23:30 on Mar 15 in London
    assert plan.action == ALREADY  # London's Mar 15 had it
    morning = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
    report = send(ws, morning)
    assert [p.period for p in report.planned] == ["2026-03-16"] and [o.ok for o in report.delivered] == [True]
    assert titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]
    assert send(ws, morning + dt.timedelta(hours=1)).planned[0].action == ALREADY
    assert tick(ws, morning + dt.timedelta(hours=1)).scheduled == ()


DAY_3 = [("Neuromorphic Day Three", "Even more spikes.")]


def test_a_far_west_move_serves_both_new_days_whose_dates_the_old_zone_had_used(mail_workspace, smtp_server):
    # Kiritimati (UTC+14) at 00:30: Mar 17's digest is made at 10:30 UTC on Mar 16, 22:30 on
    # Mar 15 on Baker Island (UTC-12). Baker's Mar 16 then puts the last period back a day,
    # and Baker's Mar 17 must still get its digest despite the mark Kiritimati left on that date
    ws = mail_workspace
    kiri = (
        'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "00:30"\ntimezone: Pacific/Kiritimati\n'
    )
    ws.profile("ada", kiri)
    made = dt.datetime(2026, 3, 16, 10, 30, tzinfo=dt.UTC)
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, made - dt.timedelta(hours=6))
    assert [s.period for s in tick(ws, made).scheduled] == ["2026-03-17"]
    ws.profile("ada", kiri.replace("Pacific/Kiritimati", "Etc/GMT+12"))
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, made + dt.timedelta(minutes=20))
    assert [s.period for s in tick(ws, dt.datetime(2026, 3, 16, 12, 31, tzinfo=dt.UTC)).scheduled] == [
        "2026-03-16"
    ]
    add_dump(ws, "d3.txt", "Mar 17", DAY_3, made + dt.timedelta(hours=4))
    (day,) = tick(ws, dt.datetime(2026, 3, 17, 12, 31, tzinfo=dt.UTC)).scheduled
    assert (day.period, day.papers) == ("2026-03-17", 1) and day.message_id is not None
    assert len(smtp_server.messages) == 3 and titles(smtp_server.messages[2]) == ["Neuromorphic Day Three"]


def test_send_force_after_moving_west_does_not_keep_the_new_zones_day_from_its_digest(
    mail_workspace, smtp_server
):
    ws, sent_at = mail_workspace, moved_west(mail_workspace)
    send(ws, sent_at + dt.timedelta(minutes=30), force=True)  # 23:30 on Mar 15 in London: its period
    add_dump(ws, "d3.txt", "Mar 17", DAY_3, sent_at + dt.timedelta(hours=2))
    (day,) = tick(ws, dt.datetime(2026, 3, 16, 8, 1, tzinfo=dt.UTC)).scheduled
    assert day.period == "2026-03-16" and day.message_id is not None
    assert len(smtp_server.messages) == 3 and titles(smtp_server.messages[2]) == ["Neuromorphic Day Three"]


def test_send_plans_its_readers_in_batches_and_the_batch_size_changes_no_digest(workspace, monkeypatch):
    from digest.daemon import sendnow

    ws = workspace
    interests = ["neuromorphic", "spikes", "soup", "neuromorphic, spikes", "day two, leftover, soup"]
    for i, listed in enumerate(interests * 2):
        ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [{listed}]\nmax_papers: {1 + i % 3}\n")
    ws.profile("ex", "email: ex@example.org\ninterests: [neuromorphic]\nexclude: [leftover]\n")
    add_dump(ws, "d1.txt", "Mar 15", DAY_1, MON_0700 - dt.timedelta(hours=30))
    add_dump(ws, "d2.txt", "Mar 16", DAY_2, MON_0700 - dt.timedelta(hours=6))

    def plans(batch: int):
        monkeypatch.setattr(sendnow, "PLAN_BATCH", batch)
        with Store(ws.config.database) as store:
            planned = sendnow.plan_send(ws.config, store, load_profiles(ws.config), MON_0700)
        return [(p.profile.user, p.action, p.digest) for p in planned]

    whole = plans(sendnow.PLAN_BATCH)
    assert sorted(user for user, _, _ in whole) == sorted(["ex", *(f"r{i}" for i in range(10))])
    assert sum(len(digest.matches) for _, _, digest in whole) > len(whole)
    assert plans(1) == plans(4) == whole
