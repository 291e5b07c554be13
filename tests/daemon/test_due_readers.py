"""A daemon's tick finds the due readers without reading every profile file: the folder is read
again only when it changed (or every scheduler.profiles_rescan_seconds), and each reader's next
due instant is kept between ticks. Edits, new and removed profiles still take effect."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.hand_clock import Clock, edit_in_place
from helpers.mon_0700 import MON_0700
from helpers.smtp_login import refusing_logins

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.files import write_atomic
from digest.profiles.watch import ProfileFolder

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends  # each test that takes a database runs on SQLite and PostgreSQL

PAPERS = [("Neuromorphic Chips", "Spikes."), ("Soup", "Cooking.")]


def profile_text(user: str, send_at: str) -> str:
    return f'email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: "{send_at}"\n'


def daemon(ws: Workspace, clock: Clock) -> Daemon:
    ws.dump("d1.txt", make_dump("Mar 15", PAPERS), mtime=MON_0700 - dt.timedelta(hours=6))
    return Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))


def at(d: Daemon, clock: Clock, minutes: float):
    clock.now = MON_0700 + dt.timedelta(minutes=minutes)
    return d.run_once()


def received(server) -> list[str]:
    return [m.message["X-Digest-User"] for m in server.messages]


def test_a_tick_reads_the_folder_only_when_it_changed_or_the_rescan_interval_passed(workspace):
    ws = workspace
    ws.profile("ada", profile_text("ada", "07:30"))
    folder = ProfileFolder(ws.config, rescan=dt.timedelta(minutes=5))
    first = folder.current(MON_0700)
    folder.current(MON_0700 + dt.timedelta(seconds=1))  # right after a change: read once more
    quiet = folder.current(MON_0700 + dt.timedelta(seconds=2))
    assert folder.current(MON_0700 + dt.timedelta(seconds=3)).version == quiet.version  # not read
    assert [p.send_at.strftime("%H:%M") for p in first.profiles] == ["07:30"]

    path = ws.root / "profiles" / "ada.yaml"
    with path.open("w") as f:  # an edit in place: the folder's time stays as it was
        f.write(profile_text("ada", "08:00"))
    waited = folder.current(MON_0700 + dt.timedelta(minutes=4))  # each file stat'ed, not read
    assert [p.send_at.strftime("%H:%M") for p in waited.profiles] == ["07:30"]  # saved a moment ago
    edited = folder.current(MON_0700 + dt.timedelta(minutes=4, seconds=0.5))  # the same version: taken
    assert [p.send_at.strftime("%H:%M") for p in edited.profiles] == ["08:00"]
    assert folder.current(MON_0700 + dt.timedelta(minutes=4, seconds=1)).version == edited.version
    later = folder.current(MON_0700 + dt.timedelta(minutes=5, seconds=2))  # the interval passed
    assert later.version > edited.version
    assert [p.send_at.strftime("%H:%M") for p in later.profiles] == ["08:00"]

    write_atomic(path, profile_text("ada", "09:00"), whole=True)  # as `digest profile` and the web page save
    saved = folder.current(MON_0700 + dt.timedelta(minutes=6))
    assert [p.send_at.strftime("%H:%M") for p in saved.profiles] == ["09:00"]


def test_an_edited_send_time_is_honoured(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "09:00"))
    d = daemon(ws, clock)
    at(d, clock, 0)
    assert [p.user for p in d.due.candidates(clock.now)] == []  # next looked at 09:00
    write_atomic(ws.root / "profiles" / "ada.yaml", profile_text("ada", "07:20"), whole=True)
    at(d, clock, 25)
    assert received(smtp_server) == ["ada"]
    at(d, clock, 30)
    at(d, clock, 2 * 60 + 5)  # the old 09:00 brings nothing more
    assert received(smtp_server) == ["ada"]
    assert d.due.candidates(clock.now) == []  # until tomorrow's 07:20


def test_a_reader_released_from_suppression_is_served_by_the_running_daemon_within_grace(
    mail_workspace, smtp_server
):
    from digest.deliver.suppressions import Suppressions
    from digest.store import Store

    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "07:00"))
    with Store(ws.config.database) as store, store.transaction():
        Suppressions(store).add("ada", "ada@example.org", "550 5.1.1 no such user", MON_0700)
    d = daemon(ws, clock)
    at(d, clock, 5)
    assert received(smtp_server) == []  # suppressed at 07:00
    with Store(ws.config.database) as store:
        Suppressions(store).release("ada")  # what `digest suppressed --release ada` does
    at(d, clock, 30)  # the same daemon, its profile files unchanged
    assert received(smtp_server) == ["ada"]
    at(d, clock, 60)
    assert received(smtp_server) == ["ada"]


def test_a_new_profile_is_picked_up_and_a_removed_one_stops(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "07:30"))
    ws.profile("bob", profile_text("bob", "07:30"))
    d = daemon(ws, clock)
    at(d, clock, 0)
    at(d, clock, 1)
    (ws.root / "profiles" / "bob.yaml").unlink()
    ws.profile("cy", profile_text("cy", "07:30"), in_place=True)  # a moment ago: taken a pass later
    at(d, clock, 30)
    at(d, clock, 31)
    assert sorted(received(smtp_server)) == ["ada", "cy"]


def test_a_bad_profile_only_affects_its_reader_and_counts_once_fixed(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "07:30"))
    ws.profile("bob", "email: bob@example.org\ninterests: neuromorphic: [\n")
    d = daemon(ws, clock)
    report = at(d, clock, 31)
    assert received(smtp_server) == ["ada"]
    assert len(report.profile_problems) == 1 and "bob.yaml" in report.profile_problems[0]
    write_atomic(ws.root / "profiles" / "bob.yaml", profile_text("bob", "07:30"), whole=True)
    report = at(d, clock, 40)
    assert report.profile_problems == ()
    assert sorted(received(smtp_server)) == ["ada", "bob"]


def test_a_reader_served_by_someone_else_costs_one_look_not_a_second_digest(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "07:30"))
    first, second = daemon(ws, clock), Daemon(ws.config, clock, lambda config: SmtpSender(config.smtp))
    at(first, clock, 0)
    at(second, clock, 0)  # both have ada due at 07:30
    at(first, clock, 31)
    assert [p.user for p in second.due.candidates(clock.now)] == ["ada"]
    report = at(second, clock, 32)  # looks at her once: her period is done
    assert report.scheduled == ()
    assert second.due.candidates(clock.now) == []
    assert received(smtp_server) == ["ada"]


def test_a_send_time_changed_in_the_config_moves_the_readers_who_inherit_it_without_a_restart(
    mail_workspace, smtp_server
):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")  # the config's send_at
    ws.profile("bob", profile_text("bob", "09:00"))  # a send_at of his own
    settings = ws.config_path.read_text()
    write_atomic(ws.config_path, settings + 'send_at: "08:00"\n')
    d = daemon(ws, clock)
    at(d, clock, 0)
    write_atomic(ws.config_path, settings + 'send_at: "07:10"\n')  # as `digest status` now says
    at(d, clock, 15)
    assert received(smtp_server) == ["ada"]  # at 07:10, not at the 08:00 read at start
    at(d, clock, 65)
    assert received(smtp_server) == ["ada"]  # 08:00 brings nothing more

    write_atomic(ws.config_path, settings + "send_at: 25:00\n")  # a config that does not load
    at(d, clock, 2 * 60 + 5)  # the daemon goes on with the one it has: bob at his 09:00
    assert received(smtp_server) == ["ada", "bob"]


def test_a_grace_of_zero_still_sends_at_the_first_pass_after_the_send_time_but_not_after_downtime(
    mail_workspace, smtp_server
):
    ws, clock = mail_workspace, Clock(MON_0700)
    settings = ws.config_path.read_text()
    write_atomic(ws.config_path, settings + "scheduler:\n  poll_seconds: 60\n  grace_minutes: 0\n")
    ws.profile("ada", profile_text("ada", "07:00"))
    ws.profile("bob", profile_text("bob", "07:01"))
    d = daemon(ws, clock)
    at(d, clock, -0.5)  # the daemon's passes fall at hh:mm:30
    at(d, clock, 0.5)  # 30 s after ada's 07:00: "never late" is not "never"
    assert received(smtp_server) == ["ada"]
    clock.now = MON_0700 + dt.timedelta(minutes=4, seconds=30)  # down from 07:00:30 to 07:04:30
    d.run_once()
    assert received(smtp_server) == ["ada"]  # bob's 07:01 was missed by more than a poll


def test_a_refused_login_corrected_in_the_config_is_tried_again_without_a_restart(
    mail_workspace, smtp_server, monkeypatch
):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("ada", profile_text("ada", "07:00"))
    settings = ws.config_path.read_text()
    with refusing_logins() as port:
        monkeypatch.setenv("DIGEST_TEST_SMTP_PW", "wrong")
        wrong = settings.replace(f"port: {smtp_server.port}", f"port: {port}").replace(
            "  timeout: 5\n", "  timeout: 5\n  username: digest\n  password_env: DIGEST_TEST_SMTP_PW\n"
        )
        write_atomic(ws.config_path, wrong)
        d = daemon(ws, clock)
        tick(d, clock, 1)
        assert d.login_refused is not None  # no more tries with the same login
        tick(d, clock, 2)
        assert received(smtp_server) == []
    write_atomic(ws.config_path, settings)  # the right server and login
    tick(d, clock, 3)
    assert received(smtp_server) == ["ada"]


def tick(d: Daemon, clock: Clock, minutes: float) -> None:
    """A poll of the running daemon (it keeps what it learnt, a refused login, between polls)."""
    clock.now = MON_0700 + dt.timedelta(minutes=minutes)
    d.tick()


def test_an_address_edited_in_place_just_before_the_send_time_gets_that_days_digest(
    mail_workspace, smtp_server
):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("bob", profile_text("bob", "07:30"))
    d = daemon(ws, clock)
    at(d, clock, 0)
    at(d, clock, 1)
    at(d, clock, 27)  # the folder read again (scheduler.profiles_rescan_seconds: 300)
    path = ws.root / "profiles" / "bob.yaml"
    edit_in_place(path, profile_text("bob", "07:30").replace("bob@example.org", "bob@new.example.org"))
    at(d, clock, 30.25)  # within the rescan period: the folder is not read, bob's file is
    at(d, clock, 30.5)  # and taken at the pass after (saved in place a moment ago, not 2 s)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@new.example.org"]]  # today, not held
    assert "Neuromorphic Chips" in str(smtp_server.messages[0].message)


def test_a_file_being_saved_at_the_send_time_is_planned_for_as_it_was_read(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.profile("bob", profile_text("bob", "07:30"))
    d = daemon(ws, clock)
    at(d, clock, 0)
    at(d, clock, 1)
    at(d, clock, 27)
    edit_in_place(ws.root / "profiles" / "bob.yaml", "email: bob@new.exa")  # an editor's first step
    at(d, clock, 30.5)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@example.org"]]
