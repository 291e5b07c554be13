"""A profile file edited in place (``echo >>``, nano: the folder's time as it was) counts at the
daemon's next pass, not at its next read of the folder (scheduler.profiles_rescan_seconds): a send
time moved earlier, and the fetching of the sources for it."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from helpers.hand_clock import MON_0700, Clock, edit_in_place, passes, run_once

from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.http_server import LocalHttpServer, Route, one_page
from digest.profiles.watch import ProfileFolder

from conftest import make_dump

pytestmark = pytest.mark.backends  # on SQLite and PostgreSQL

FRI_0600 = dt.datetime(2026, 11, 27, 6, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def test_a_send_time_moved_earlier_in_place_counts_at_the_next_pass(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(MON_0700)
    papers = [("Neuromorphic Chips", "Spikes.")]
    ws.dump("d1.txt", make_dump("Mar 15", papers), mtime=MON_0700 - dt.timedelta(hours=6))
    path = ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "09:00"\n')
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 17)  # the folder read at 07:00, 07:01 and 07:17 (300 s apart)
    edit_in_place(path, 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:20"  # earlier\n')
    # the folder not read again until 07:22; the file written a moment ago (not two seconds, as a
    # real minute between passes would make it) is taken at the pass after the one that read it
    passes(d, clock, MON_0700, 20.25, 20.5)
    assert [m.message["X-Digest-User"] for m in smtp_server.messages] == ["ada"]  # at 07:20, not 07:22
    passes(d, clock, MON_0700, 2 * 60 + 1)  # her old 09:00 brings nothing more
    assert len(smtp_server.messages) == 1


def test_a_send_time_moved_earlier_in_place_has_its_sources_fetched_before_it(mail_workspace, smtp_server):
    ws, clock = mail_workspace, Clock(FRI_0600)
    empty = Route(b"[]", etag='"empty"')  # the day's listing not out yet at the daemon's start
    full = Route((FIXTURES / "hf_daily.json").read_bytes(), etag='"full"')
    with LocalHttpServer({"/api/daily_papers": one_page(empty, full)}) as server:
        url = server.url("/api/daily_papers?date={date}")
        hf = f"sources:\n  - kind: hf_daily\n    day: today\n    url: {url}\n"
        ws.config_path.write_text(ws.config_path.read_text() + hf)
        text = 'email: ada@example.org\ninterests: [curriculum, adapters]\nsend_at: "{}"\n'
        path = ws.profile("ada", text.format("09:00"))  # fetched at 08:00, an hour before
        d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
        passes(d, clock, FRI_0600, 0, 1, 77)  # the first start fetched (empty); the folder read at 07:17
        edit_in_place(path, text.format("07:20") + "# earlier\n")  # fetched at 06:20 then: due now
        passes(
            d, clock, FRI_0600, 80.25, 80.5
        )  # 07:20:30, the folder not read again until 07:22 (taken at the second pass: written a moment ago)
        assert len(server.requests) > 1  # fetched again for 07:20
    (mail,) = smtp_server.messages
    assert (
        "Gradient Noise as a Compass for Curriculum Design" in mail.message.get_body(("plain",)).get_content()
    )


def test_a_file_edited_in_place_does_not_make_a_broken_ones_line_said_again_with_its_old_problem(
    mail_workspace, caplog
):
    ws, clock = mail_workspace, Clock(MON_0700)
    ada = ws.profile("ada", "email: ada@example.org\ninterests: [robotics]\n")
    bob = ws.profile("bob", "email: bob@example.org\ninterests: [robotics]\nmax_papers: lots\n")
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 2)  # bob's file said skipped once
    edit_in_place(bob, "email: bob@example.org\ninterests: [robotics]\nmax_papers: many\n")  # being fixed
    edit_in_place(ada, "email: ada@example.org\ninterests: [robotics, control]\n")
    caplog.clear()
    passes(d, clock, MON_0700, 3)  # ada's edit seen; bob's file not read yet: nothing said of it
    assert [r.getMessage() for r in caplog.records if "bob.yaml" in r.getMessage()] == []
    caplog.clear()
    passes(d, clock, MON_0700, 8)  # the folder read: bob's file said again, with what is wrong now
    (line,) = [r.getMessage() for r in caplog.records if "bob.yaml" in r.getMessage()]
    assert "skipped again, changed" in line and "many" in line


def test_a_send_time_moved_earlier_in_place_with_its_size_and_modification_time_kept_counts(
    mail_workspace, smtp_server
):
    ws, clock = mail_workspace, Clock(MON_0700)
    ws.dump("d1.txt", make_dump("Mar 15", [("Neuromorphic Chips", "Spikes.")]), mtime=MON_0700)
    path = ws.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "09:00"\n')
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 17)
    before = path.stat()
    edit_in_place(path, 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:20"\n')
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # `touch -r`, or two saves in one clock tick
    assert path.stat().st_size == before.st_size
    passes(d, clock, MON_0700, 20.25, 20.5)  # seen at the next pass, taken at the one after (just written)
    assert [m.message["X-Digest-User"] for m in smtp_server.messages] == ["ada"]


@pytest.mark.parametrize("aside", [False, True], ids=["in place", "old file moved aside"])
def test_a_file_read_halfway_through_a_save_is_not_taken_for_the_pass(mail_workspace, smtp_server, aside):
    # moved aside: as Emacs backs a file up (the old file renamed to ada.yaml~, a new one written at
    # the name); before, a new inode was taken as a file renamed in whole: a digest of Soup alone
    ws, clock = mail_workspace, Clock(MON_0700)
    papers = [("Neuromorphic Chips", "Spikes."), ("Soup", "Cooking.")]
    ws.dump("d1.txt", make_dump("Mar 15", papers), mtime=MON_0700)
    head = 'email: ada@example.org\nsend_at: "07:20"\n'
    path = ws.profile("ada", head + "interests: [neuromorphic]\n")
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 17)
    if aside:
        path.rename(path.with_name("ada.yaml~"))
    with path.open("w") as f:  # soup added before neuromorphic, the file written in two parts
        f.write(head + "interests:\n  - soup\n")
        f.flush()  # the pass reads it here: valid YAML, soup alone
        passes(d, clock, MON_0700, 20.25)
        f.write("  - neuromorphic\n")
    (mail,) = smtp_server.messages  # made from the file as it read before the save
    assert "Neuromorphic Chips" in mail.message.get_body(("plain",)).get_content()


def test_an_edit_in_place_two_seconds_old_at_the_pass_is_taken_at_once(workspace):
    path = workspace.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "09:00"\n')
    ahead = [0]  # the filesystem's clock, as far on as the next pass would be (a minute)
    folder = ProfileFolder(workspace.config, clock=lambda: time.time_ns() + ahead[0])
    passes_of = [folder.current(MON_0700 + dt.timedelta(minutes=m)) for m in (0, 1)]
    edit_in_place(path, 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:20"\n')
    ahead[0] = 60_000_000_000
    edited = folder.current(MON_0700 + dt.timedelta(minutes=2))
    assert edited.version > passes_of[-1].version
    assert [p.send_at.strftime("%H:%M") for p in edited.profiles] == ["07:20"]


def test_a_folder_read_halfway_through_an_in_place_save_keeps_the_files_last_reading(workspace):
    head = 'email: ada@example.org\nsend_at: "07:20"\n'
    path = workspace.profile("ada", head + "interests: [neuromorphic]\n")
    folder = ProfileFolder(workspace.config, rescan=dt.timedelta(0))  # the folder read at every pass
    folder.current(MON_0700)
    with path.open("w") as f:
        f.write(head + "interests:\n  - soup\n")
        f.flush()
        (halfway,) = folder.current(MON_0700 + dt.timedelta(minutes=1)).profiles
        f.write("  - neuromorphic\n")
    assert [i.phrase for i in halfway.interests] == ["neuromorphic"]
    folder.current(MON_0700 + dt.timedelta(minutes=2))  # the whole file, a moment old: at the next pass
    (saved,) = folder.current(MON_0700 + dt.timedelta(minutes=3)).profiles
    assert [i.phrase for i in saved.interests] == ["soup", "neuromorphic"]


def test_a_folder_read_while_a_save_in_place_has_emptied_the_file_keeps_its_reader(workspace):
    path = workspace.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:20"\n')
    folder = ProfileFolder(workspace.config, rescan=dt.timedelta(0))  # the folder read at every pass
    folder.current(MON_0700)
    with path.open("w") as f:  # an editor's first step: the file emptied
        emptied = folder.current(MON_0700 + dt.timedelta(minutes=1))
        f.write('email: ada@example.org\ninterests: [robots]\nsend_at: "07:20"\n')
    assert [p.user for p in emptied.profiles] == ["ada"] and emptied.skipped == ()  # not said broken
    folder.current(MON_0700 + dt.timedelta(minutes=2))
    (saved,) = folder.current(MON_0700 + dt.timedelta(minutes=3)).profiles
    assert [i.phrase for i in saved.interests] == ["robots"]


def test_a_broken_file_saved_in_place_with_its_time_ahead_is_said_by_the_next_read_of_the_folder(workspace):
    # `cp -p` over it of a file from a machine whose clock is an hour ahead (or a file server's
    # clock, `touch -d`): before, its time "within the last two seconds" for an hour, the reader
    # was kept with the file's old reading at every read of the folder and the file never said
    path = workspace.profile("ada", 'email: ada@example.org\ninterests: [neuromorphic]\nsend_at: "07:20"\n')
    folder = ProfileFolder(workspace.config, rescan=dt.timedelta(0))  # the folder read at every pass
    folder.current(MON_0700)
    edit_in_place(path, "email: ada@example.org\ninterests: [neuromorphic\n")
    ahead = time.time_ns() + 3600 * 1_000_000_000
    os.utime(path, ns=(ahead, ahead))
    # its modification time set after it was written (later than its change time): no save under way
    later = folder.current(MON_0700 + dt.timedelta(minutes=1))
    assert later.profiles == () and [s.path for s in later.skipped] == [str(path)]


def test_a_new_file_read_halfway_through_its_first_save_is_not_taken(mail_workspace, smtp_server):
    # an editor making ada's file writes it in two parts; before, the 07:20 pass read the first
    # (valid YAML: soup alone) and sent her a digest of Soup
    ws, clock = mail_workspace, Clock(MON_0700)
    papers = [("Neuromorphic Chips", "Spikes."), ("Soup", "Cooking.")]
    ws.dump("d1.txt", make_dump("Mar 15", papers), mtime=MON_0700)
    ws.profile("bob", 'email: bob@example.org\ninterests: [robots]\nsend_at: "09:00"\n')
    d = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    passes(d, clock, MON_0700, 0, 1, 17)
    path = ws.root / "profiles" / "ada.yaml"
    with path.open("w") as f:
        f.write('email: ada@example.org\nsend_at: "07:20"\ninterests:\n  - soup\n')
        f.flush()  # the pass reads it here
        passes(d, clock, MON_0700, 20.25)
        f.write("  - neuromorphic\n")
    assert smtp_server.messages == []  # a new file written a moment ago waits one pass
    passes(d, clock, MON_0700, 20.5)  # taken at the next pass, whole
    (mail,) = smtp_server.messages
    assert "Neuromorphic Chips" in mail.message.get_body(("plain",)).get_content()


def test_a_new_file_saved_by_a_rename_is_taken_at_once(workspace):
    from digest.profiles.create import create_profile

    folder = ProfileFolder(workspace.config, rescan=dt.timedelta(0))
    folder.current(MON_0700)
    create_profile(workspace.config, "ada", "ada@example.org", ["soup"])  # `digest profile new`
    assert [p.user for p in folder.current(MON_0700 + dt.timedelta(minutes=1)).profiles] == ["ada"]


def test_a_new_file_is_kept_back_one_pass_at_the_most(workspace):
    folder = ProfileFolder(workspace.config, rescan=dt.timedelta(0))
    folder.current(MON_0700)
    path = workspace.root / "profiles" / "ada.yaml"
    with path.open("w") as f:  # broken halfway: not said at the pass that finds it so
        f.write("email: ada@example.org\ninterests: [sou")
        f.flush()
        halfway = folder.current(MON_0700 + dt.timedelta(minutes=1))
        f.write("p]\n")
    assert halfway.profiles == () and halfway.skipped == ()
    edit_in_place(path, "email: ada@example.org\ninterests: [soup, robots]\n")  # saved again, a moment ago
    (ada,) = folder.current(MON_0700 + dt.timedelta(minutes=2)).profiles
    assert [i.phrase for i in ada.interests] == ["soup", "robots"]


HEAD = 'email: ada@example.org\nsend_at: "07:20"\n'


def ada_read_by_a_run_at_0717(ws, monkeypatch) -> Path:
    """ada's file (neuromorphic, 07:20) as a run at 07:17 read it, kept in the profile cache (its
    clock a minute on, as at a run a minute after the file was written); the papers of Mar 15."""
    from digest.profiles.cache import ProfileCache

    papers = [("Neuromorphic Chips", "Spikes."), ("Soup", "Cooking.")]
    ws.dump("d1.txt", make_dump("Mar 15", papers), mtime=MON_0700)
    path = ws.profile("ada", HEAD + "interests: [neuromorphic]\n")
    later = staticmethod(lambda: time.time_ns() + 60_000_000_000)
    monkeypatch.setattr(ProfileCache, "clock", later, raising=False)
    run_once(ws, 17)
    monkeypatch.setattr(ProfileCache, "clock", staticmethod(time.time_ns), raising=False)
    return path


def test_a_run_once_reading_a_file_halfway_through_an_in_place_save_makes_the_digest_from_its_last_reading(
    mail_workspace, smtp_server, monkeypatch
):
    # a timer's `digest run --once` starts afresh at each run (a Daemon of its own): before, the
    # 07:20 run read ada's file halfway through her save and sent her a digest of Soup alone
    from digest.profiles.cache import ProfileCache

    ws = mail_workspace
    path = ada_read_by_a_run_at_0717(ws, monkeypatch)
    with path.open("w") as f:  # soup added before neuromorphic, the file written in two parts
        f.write(HEAD + "interests:\n  - soup\n")
        f.flush()  # the 07:20 run reads it here, and the save goes on while the run waits for it

        def the_rest_written(seconds: float) -> None:
            f.write("  - neuromorphic\n")
            f.flush()
            time.sleep(seconds)

        monkeypatch.setattr(ProfileFolder, "sleep", staticmethod(the_rest_written))
        run_once(ws, 20.25)
    (mail,) = smtp_server.messages  # made from the file as the run at 07:17 read it
    assert "Neuromorphic Chips" in mail.message.get_body(("plain",)).get_content()
    ahead = lambda: time.time_ns() + 60_000_000_000  # noqa: E731 - the next run, a minute on
    monkeypatch.setattr(ProfileCache, "clock", staticmethod(ahead), raising=False)
    (saved,) = ProfileFolder(ws.config, clock=ahead).current(MON_0700 + dt.timedelta(minutes=21)).profiles
    assert [i.phrase for i in saved.interests] == ["soup", "neuromorphic"]


def test_a_file_copied_over_with_its_time_ahead_counts_at_the_next_run_once(
    mail_workspace, smtp_server, monkeypatch
):
    # `cp -p` over ada's file of one from a machine whose clock is an hour ahead: its modification
    # time set after the copy was written (later than its change time: no save is under way); before,
    # every timer's `digest run --once` for that hour kept the cache's earlier reading of it, not
    # the one run that a file maybe read halfway waits
    path = ada_read_by_a_run_at_0717(mail_workspace, monkeypatch)
    edit_in_place(path, HEAD + "interests: [soup]\n")
    ahead = time.time_ns() + 3600 * 1_000_000_000
    os.utime(path, ns=(ahead, ahead))
    for minutes in (19, 20.25):  # a timer's runs, a minute apart
        run_once(mail_workspace, minutes)
    (mail,) = smtp_server.messages
    assert "Soup" in mail.message.get_body(("plain",)).get_content()


def test_a_run_once_a_moment_after_a_save_in_place_takes_the_saved_file(
    mail_workspace, smtp_server, monkeypatch
):
    # ada moves to a new address, saved in place (nano, `cp` over) a moment before her 07:20 run:
    # before, the run kept the reading of the 07:17 run (the save maybe under way) and the next run
    # to take it was a timer's next, tomorrow's for a daily one; the run now waits for the file to
    # be two seconds old and, as it has not changed since, takes it
    path = ada_read_by_a_run_at_0717(mail_workspace, monkeypatch)
    edit_in_place(path, HEAD.replace("ada@example.org", "ada@new.example.org") + "interests: [soup]\n")
    run_once(mail_workspace, 20.25)
    (mail,) = smtp_server.messages
    assert mail.message["To"] == "ada@new.example.org"
    assert "Soup" in mail.message.get_body(("plain",)).get_content()
