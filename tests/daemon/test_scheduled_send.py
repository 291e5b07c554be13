"""The scheduled digest with a real store and a real SMTP server, driven by an injected clock."""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

import pytest
from helpers.scheduled_days import EARLIER, MON_0700, PAPERS_1, PAPERS_2, tick, titles

from digest.daemon.claims import mark_period
from digest.daemon.lock import AlreadyRunning, RunLock
from digest.daemon.status import collect_status, format_status
from digest.daemon.tick import run_once
from digest.deliver.outbox import Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import failing_inserts, make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL


def subjects(server) -> list[tuple[str, str]]:
    return [(m.message["X-Digest-User"], m.message["Subject"]) for m in server.messages]


def test_a_digest_holds_what_arrived_since_the_previous_one_and_goes_out_once(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    report = tick(ws, MON_0700)  # ingested, but 07:30 has not come
    assert [r.new_papers for r in report.ingested.results] == [2] and report.scheduled == ()
    assert (ws.root / "inbox" / "processed" / "d1.txt").exists()

    tick(ws, MON_0700 + dt.timedelta(minutes=31))
    tick(ws, MON_0700 + dt.timedelta(minutes=45))  # the same period: nothing more
    assert len(smtp_server.messages) == 1
    assert titles(smtp_server.messages[0]) == ["Neuromorphic Day One"]

    ws.dump("d2.txt", make_dump("Mar 16", PAPERS_2), mtime=MON_0700 + dt.timedelta(hours=1))
    tick(ws, MON_0700 + dt.timedelta(hours=2))
    tick(ws, MON_0700 + dt.timedelta(days=1, minutes=31))
    assert len(smtp_server.messages) == 2
    assert titles(smtp_server.messages[1]) == ["Neuromorphic Day Two"]  # not Day One again


def test_a_new_reader_starts_with_the_latest_listing(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.dump("d1.txt", make_dump("Mar 14", [("Neuromorphic Old", "x")]), mtime=EARLIER)
    ws.dump("d2.txt", make_dump("Mar 15", [("Neuromorphic New", "y")]), mtime=EARLIER)
    tick(ws, MON_0700)
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    tick(ws, MON_0700 + dt.timedelta(minutes=30))
    assert titles(smtp_server.messages[0]) == ["Neuromorphic New"]


def test_a_day_with_nothing_sends_nothing_unless_the_reader_asks_for_a_note(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.dump("d1.txt", make_dump("Mar 15", [("Cooking", "Soup.")]), mtime=EARLIER)
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.profile(
        "bob", 'email: bob@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\nsend_empty: true\n'
    )
    report = tick(ws, MON_0700 + dt.timedelta(minutes=30))
    assert {(s.user, s.message_id is None) for s in report.scheduled} == {("ada", True), ("bob", False)}
    assert subjects(smtp_server) == [("bob", "Your research digest for Mar 15, 2026: nothing new today")]
    assert (
        "Nothing new matched your interests today"
        in smtp_server.messages[0].message.get_body(("plain",)).get_content()
    )


def test_a_dump_arriving_after_the_send_time_but_within_the_grace_period_still_goes_out_today(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    tick(ws, MON_0700 + dt.timedelta(minutes=30))  # 07:30: nothing in the store yet
    assert smtp_server.messages == []
    ws.dump("late.txt", make_dump("Mar 16", PAPERS_1), mtime=MON_0700 + dt.timedelta(hours=1))
    tick(ws, MON_0700 + dt.timedelta(hours=2))  # 09:00, within the 4-hour grace
    tick(ws, MON_0700 + dt.timedelta(hours=3))
    assert subjects(smtp_server) == [("ada", "Your research digest for Mar 16, 2026: 1 paper")]


def test_queueing_and_marking_the_period_done_are_one_transaction(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    config = ws.config
    store = Store(config.database)
    with failing_inserts(store, "schedule_state", "disk full"), SmtpSender(config.smtp) as sender:
        with pytest.raises(Exception, match="disk full"):  # as the period is recorded
            run_once(config, store, load_profiles(config), sender, MON_0700 + dt.timedelta(minutes=30))
        assert Outbox(store).messages() == []  # no message without its period, and vice versa
    store.close()
    tick(ws, MON_0700 + dt.timedelta(minutes=35))
    assert len(smtp_server.messages) == 1


def test_readers_are_queued_together_and_one_another_worker_queued_first_does_not_hold_up_the_others(
    mail_workspace, smtp_server
):
    ws = mail_workspace
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    for user in ("ada", "bob", "carl"):
        ws.profile(user, f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    with Store(ws.config.database) as store:  # another worker committed bob's digest for the day
        mark_period(store, "bob", "2026-03-16", "<bob-elsewhere@example.org>")
    report = tick(ws, MON_0700 + dt.timedelta(minutes=30))
    assert sorted(s.user for s in report.scheduled) == ["ada", "carl"]
    assert sorted(user for user, _ in subjects(smtp_server)) == ["ada", "carl"]
    tick(ws, MON_0700 + dt.timedelta(minutes=40))
    assert len(smtp_server.messages) == 2


def test_a_dump_still_being_written_waits_and_an_unreadable_one_moves_to_failed(mail_workspace):
    ws = mail_workspace
    fresh = ws.dump("fresh.txt", make_dump("Mar 15", PAPERS_1))
    ws.dump(".hidden.txt", "partial")
    ws.dump("upload.txt.part", "partial")
    bad = ws.dump("bad.txt", b"\xff\xfe not utf-8")
    mtime = fresh.stat().st_mtime
    now = dt.datetime.fromtimestamp(mtime, dt.UTC) + dt.timedelta(seconds=1)  # settle is 5 s
    report = tick(ws, now)
    assert [w.path.name for w in report.waiting] == ["bad.txt", "fresh.txt"]  # both just written
    assert report.ingested.results == () and report.ingested.failures == ()
    report = tick(ws, now + dt.timedelta(seconds=10))
    assert [r.source.name for r in report.ingested.results] == ["fresh.txt"]
    failed = ws.root / "inbox" / "failed"
    assert (failed / "bad.txt").read_bytes() == b"\xff\xfe not utf-8"  # kept, not deleted
    assert "not UTF-8 text" in (failed / "bad.txt.error.txt").read_text()
    assert sorted(p.name for p in (ws.root / "inbox").iterdir()) == [
        ".hidden.txt",
        "failed",
        "processed",
        "upload.txt.part",
    ]
    del bad


@pytest.mark.sqlite_only  # PostgreSQL: any number of workers (tests/daemon/test_workers.py)
def test_only_one_run_at_a_time_per_database(workspace):
    db = workspace.config.database
    with (
        RunLock(db).acquire("digest run"),
        pytest.raises(AlreadyRunning, match=r"in use by digest run \(pid \d+\)"),
    ):
        RunLock(db).acquire()
    RunLock(db).acquire().release()  # free again once released


def test_status_shows_the_last_ingest_each_readers_last_and_next_digest_and_what_failed(
    mail_workspace, smtp_server
):
    from digest.daemon.status import collect_status, format_status

    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.profile("bob", "email: bob@example.org\ninterests: [x]\nfrequency: weekly\nweekday: friday\n")
    ws.profile("broken", "email: nope\n")
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    ws.dump("bad.txt", "garbage\n", mtime=EARLIER)
    config = ws.config
    with Store(config.database) as store, SmtpSender(config.smtp) as sender:
        from digest.profiles.load import load_profiles_lenient

        run_once(config, store, load_profiles_lenient(config)[0], sender, MON_0700 + dt.timedelta(minutes=30))
    text = format_status(collect_status(config, MON_0700 + dt.timedelta(hours=1)))
    assert "Last ingest: d1.txt (listing of 2026-03-15) at 2026-03-16 07:30 UTC" in text
    assert "ada            daily 07:30 UTC" in text
    assert "2026-03-17 07:30 UTC" in text  # ada's next digest, after today's was sent
    assert "bob            weekly (Fri) 07:00 UTC" in text and "2026-03-20 07:00 UTC" in text
    assert "Profiles with errors (skipped):" in text and "broken.yaml" in text
    assert "Dumps that failed (newest first):" in text and "failed/bad.txt:1: not a listing dump" in text


def test_status_shows_a_readers_last_and_next_digest_in_the_readers_own_zone(mail_workspace, smtp_server):
    from digest.daemon.status import collect_status, format_status

    ws = mail_workspace
    la = 'email: lee@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n'
    ws.profile("lee", la + "timezone: America/Los_Angeles\nmax_papers: 1\n")
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    assert ws.cli("ingest").exit_code == 0
    text = format_status(collect_status(ws.config, MON_0700))  # midnight in Los Angeles (PDT)
    assert "lee            daily 07:30 America/Los_Angeles" in text
    assert "1 paper at 2026-03-16 07:30 PDT" in text  # one paper: not "1 papers"
    pass_at = dt.datetime(2026, 3, 16, 14, 31, tzinfo=dt.UTC)  # 07:31 in Los Angeles
    with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender:
        run_once(ws.config, store, load_profiles(ws.config), sender, pass_at)
        (delivery,) = store.deliveries("lee")
    text = format_status(collect_status(ws.config, pass_at + dt.timedelta(minutes=5)))
    local = delivery.sent_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{local:%Y-%m-%d %H:%M} PDT" in text  # the last digest, at the reader's time
    assert "0 papers at 2026-03-17 07:30 PDT" in text  # the next one
    assert "Last ingest: d1.txt (listing of 2026-03-15) at " in text
    assert text.count(" UTC") == 1  # the ingest's time: the system's, in UTC


def test_run_once_from_the_command_line_does_one_pass(mail_workspace, smtp_server):
    ws = mail_workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '00:00'\n")
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)  # saved in 2026: Mar 15 of 2026
    result = ws.cli("run", "--once")
    assert result.exit_code == 0, result.output
    assert "d1.txt: 2026-03-15, 2 entries: 2 new papers, 0 already known" in result.output
    status = ws.cli("status")
    assert status.exit_code == 0 and "ada" in status.output
    assert "\nWorkers" not in status.output  # the pass is over: no worker runs (it signed off)
    ws.dump("again.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    assert "again.txt: 2026-03-15 already ingested, nothing new" in ws.cli("run", "--once").output
    idle = ws.cli("run", "--once")  # said only 'nothing to do', the reader's next time to be guessed
    assert idle.exit_code == 0 and idle.output == (
        "nothing to do: no source due, no new dump, no reader's digest due (`digest status` shows when "
        "each reader's next one is)\n"
    )


def due_now() -> str:
    """A send time whose slot came a minute ago (UTC): due at a `run --once` at any hour of the day,
    where '00:00' was due only within the grace's four hours after midnight."""
    return f"{dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1):%H:%M}"


class Deferring(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        return "451 4.3.0 try again later"


def test_run_once_exits_1_when_the_server_did_not_take_a_digest_as_send_does(mail_workspace, smtp_server):
    """A cron `run --once` with smtp.host misspelt (or the server deferring) exited 0 pass after
    pass while nothing went out, where `digest send` exits 1: README's "1 when a reader got
    nothing (their profile or message failed)"."""
    ws = mail_workspace
    ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{due_now()}'\n")
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    with LocalSmtpServer(Deferring()) as busy:
        text = ws.config_path.read_text()
        ws.config_path.write_text(text.replace(f"port: {smtp_server.port}", f"port: {busy.port}"))
        deferred = ws.cli("run", "--once")
    assert deferred.exit_code == 1, deferred.output
    assert "deferred ada: 451 4.3.0 try again later" in deferred.output
    ws.config_path.write_text(text)
    between = ws.cli("run", "--once")  # before the retry's time: nothing tried, nothing failed
    assert between.exit_code == 0, between.output
    assert ws.cli("send").exit_code == 0  # the retry, by hand: taken
    assert ws.cli("run", "--once").exit_code == 0


def test_run_once_between_a_deferral_and_its_retry_says_the_message_waiting(mail_workspace, smtp_server):
    """Before: a pass while ada's deferred digest waited for its retry time said "nothing to do:
    ... no reader's digest due", as if nothing were left to send."""
    ws = mail_workspace
    ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{due_now()}'\n")
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))
    with LocalSmtpServer(Deferring()) as busy:  # the server says 451: later
        text = ws.config_path.read_text()
        ws.config_path.write_text(text.replace(f"port: {smtp_server.port}", f"port: {busy.port}"))
        deferred = ws.cli("run", "--once")
    retry = re.search(r"\(retry at (\S+ \S+ UTC)\)", deferred.output)
    assert retry is not None, deferred.output
    ws.config_path.write_text(text)
    between = ws.cli("run", "--once")
    assert between.exit_code == 0 and between.output == (
        "nothing to do: no source due, no new dump, no reader's digest due; 1 message waiting to be "
        f"retried at {retry[1]} (`digest status` shows when each reader's next one is)\n"
    ), between.output
    assert smtp_server.messages == []  # not tried before its time


def test_a_one_paper_digest_and_a_first_attempt_are_said_in_the_singular(mail_workspace, smtp_server, caplog):
    """The daemon's log said 'digest for ada (2026-03-16) queued: 1 papers' and 'digest sent to
    ada <...>: 1 papers', and `digest status` a deferred message's '1 attempts'."""
    ws = mail_workspace
    ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:30"\n')
    ws.profile("bob", 'email: bob@example.org\ninterests: [neuromorphic]\nsend_at: "08:00"\n')
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS_1), mtime=EARLIER)
    with caplog.at_level(logging.INFO):
        tick(ws, MON_0700 + dt.timedelta(minutes=31))
    log = caplog.text
    assert "digest for ada (2026-03-16) queued: 1 paper\n" in log and "1 papers" not in log
    assert "digest sent to ada <ada@example.org>: 1 paper\n" in log
    with LocalSmtpServer(Deferring()) as busy:  # at bob's time the server says: later
        ws.config_path.write_text(
            ws.config_path.read_text().replace(f"port: {smtp_server.port}", f"port: {busy.port}")
        )
        tick(ws, MON_0700 + dt.timedelta(minutes=61))
    text = format_status(collect_status(ws.config, MON_0700 + dt.timedelta(minutes=62)))
    assert "bob <bob@example.org>: 1 attempt, next " in text, text
