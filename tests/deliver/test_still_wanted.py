"""A message is looked at again right before it goes (digest.deliver.wanted): a reader paused
since the message was made gets nothing from it, however long ago the message was made and
however long the daemon may take to see a file edited in place (a real SMTP server on loopback,
real profile files, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from helpers.greylisted_bob import Greylisting

from digest.config import load_config
from digest.daemon.names import name_taken_over, start_afresh
from digest.daemon.sendnow import send_now
from digest.daemon.tick import run_once
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import FAILED, QUEUED, Outbox, OutboxMessage
from digest.deliver.transports import SmtpSender
from digest.deliver.wanted import lookback
from digest.demo.smtp_server import LocalSmtpServer
from digest.profiles.load import load_profile, load_profiles
from digest.store import Store

from conftest import NOW, Workspace, make_dump

pytestmark = pytest.mark.backends

ADA = "name: Ada\nemail: ada@example.org\ninterests:\n  robotics: 2\n"
BOB = "name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\n"


@pytest.fixture
def server():
    with LocalSmtpServer(Greylisting()) as server:
        yield server


@pytest.fixture
def ws(tmp_path, server, database) -> Workspace:
    ws = Workspace(tmp_path, server.port, database)
    ws.profile("ada", ADA)
    ws.profile("bob", BOB)
    ws.dump("day.txt", make_dump("Mar 20", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    return ws


def dated(path: Path, when: dt.datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def held_at_retry(ws: Workspace, server: LocalSmtpServer, sent: dt.datetime = NOW) -> OutboxMessage:
    """The retry pass three hours after ``sent``: ada's digest went then, nothing since; bob's
    greylisted message is held (recorded failed, not tried again). Returns it."""
    with Store(ws.config.database) as store:
        deliver_due(ws.config, store, None, sent + dt.timedelta(hours=3))
        (bob,) = Outbox(store).entries(user="bob")
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert bob.status == FAILED and bob.attempts == 1
    return bob


def test_a_message_retried_hours_after_its_reader_paused_is_held_not_sent(ws, server):
    """Bob's digest is greylisted at NOW; he pauses half an hour later (the one-click writes the
    file); the retry comes three hours later, more than an hour after the pause: still held."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
        (bob,) = Outbox(store).entries(user="bob")
        assert bob.status == QUEUED and bob.attempts == 1  # greylisted: tried again later
    dated(ws.profile("bob", BOB + "paused: true\n"), NOW + dt.timedelta(minutes=30))

    bob = held_at_retry(ws, server)
    assert bob.last_error.startswith("not tried: paused since the digest was made")


def test_a_file_edited_in_place_which_the_daemon_sees_only_at_its_rescan_is_read_again(ws, server):
    """With scheduler.profiles_rescan_seconds at 6 hours, the daemon may plan bob's digest from
    a reading of his file made before he paused 3 hours ago (an edit in place, which leaves the
    folder's time as it was): his file is read again before his digest goes, and holds it."""
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  profiles_rescan_seconds: 21600\n")
    config = load_config(ws.config_path)
    planned_from = load_profiles(config)  # the daemon's reading, from its last scan of the folder
    dated(ws.profile("bob", BOB + "paused: true\n"), NOW - dt.timedelta(hours=3))
    with Store(config.database) as store:
        send_now(config, store, planned_from, None, NOW)
        (bob,) = Outbox(store).entries(user="bob")
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert bob.status == FAILED and bob.attempts == 0
    assert bob.last_error.startswith("not tried: paused since the digest was made")


def test_the_margin_for_a_file_servers_clock_is_kept_with_a_rescan_longer_than_an_hour(ws, server):
    """With a 6-hour rescan, the daemon's last scan may be just under 6 hours old; bob paused
    right after it, on a file server whose clock is 10 minutes behind ours (his file dated 6 hours
    and 8 minutes ago): the margin an hour gives a default daemon is kept, his file is read again."""
    with ws.config_path.open("a") as f:
        f.write("scheduler:\n  profiles_rescan_seconds: 21600\n")
    config = load_config(ws.config_path)
    planned_from = load_profiles(config)  # the scan at NOW - 5:59, before the pause at NOW - 5:58
    dated(ws.profile("bob", BOB + "paused: true\n"), NOW - dt.timedelta(hours=6, minutes=8))
    with Store(config.database) as store:
        send_now(config, store, planned_from, None, NOW)
        (bob,) = Outbox(store).entries(user="bob")
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert bob.status == FAILED and bob.attempts == 0


def test_a_message_retried_after_its_reader_gave_another_address_is_held_not_sent_to_the_old(ws, server):
    """Bob's digest is greylisted at NOW; half an hour later he gives another address (maybe the
    old one is no longer his); the retry three hours later does not go to the old address: held,
    its papers free for his next digest, which goes to the new one."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    moved = BOB.replace("bob@example.org", "bob@new.example.org")
    dated(ws.profile("bob", moved), NOW + dt.timedelta(minutes=30))

    bob = held_at_retry(ws, server)  # at 15:00, his 07:00 send time's grace (4 hours) over
    assert bob.last_error == (
        "not tried: the reader's address changed since the digest was made: their profile file "
        "says email: bob@new.example.org (its papers go in their next digest, to that address)"
    )
    with Store(ws.config.database) as store:  # his next digest (asked for now): the papers, to him
        send_now(ws.config, store, load_profiles(ws.config), None, NOW + dt.timedelta(hours=4), force=True)
    assert server.handler.messages[-1].rcpt_tos == ["bob@new.example.org"]
    assert "Robotics Today" in server.handler.messages[-1].message.get_body(("plain",)).get_content()


def test_a_removed_readers_message_retried_after_their_name_went_to_someone_else_is_held(ws, server):
    """Bob's digest is greylisted at NOW; half an hour later his file is removed and `profile new
    bob` made for zed@example.net, which moves bob's records (the message too) aside: the retry
    three hours later is a removed reader's, held, not sent to bob@example.org after he left."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    (ws.root / "profiles" / "bob.yaml").unlink()
    name_taken_over(ws.config, "bob", NOW + dt.timedelta(minutes=30))
    dated(
        ws.profile("bob", BOB.replace("bob@example.org", "zed@example.net")), NOW + dt.timedelta(minutes=30)
    )
    said = start_afresh(ws.config, load_profile(ws.config, "bob"), NOW + dt.timedelta(minutes=31))
    assert said is not None and "kept apart as bob~removed-" in said

    with Store(ws.config.database) as store:
        deliver_due(ws.config, store, None, NOW + dt.timedelta(hours=3))
        (held,) = [m for m in Outbox(store).entries() if m.recipient == "bob@example.org"]
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert held.user.startswith("bob~removed-") and held.status == FAILED and held.attempts == 1
    assert held.last_error.startswith("not tried: a removed reader's (their name went to another")


def test_a_removed_readers_message_retried_after_a_newcomers_file_came_by_hand_is_held(ws, server):
    """The same with zed's file made by hand under bob's name (no `profile new`, no pass since: bob's
    records not moved aside yet): the name's file gives another address, so the retry is held."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    (ws.root / "profiles" / "bob.yaml").unlink()
    dated(
        ws.profile("bob", BOB.replace("bob@example.org", "zed@example.net")), NOW + dt.timedelta(minutes=30)
    )

    with Store(ws.config.database) as store:
        deliver_due(ws.config, store, None, NOW + dt.timedelta(hours=3))
        (held,) = Outbox(store).entries(user="bob")
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert held.status == FAILED and held.attempts == 1
    assert held.last_error.startswith("not tried: the reader's address changed since the digest was made")


def test_the_daemon_brings_a_held_messages_papers_in_the_readers_next_digest(ws, server):
    """The daemon's passes after bob's retry was held for his new address: the same day nothing
    more (the day's digest was made: its papers wait), the next morning his digest brings the
    paper, to the new address."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    moved = BOB.replace("bob@example.org", "bob@new.example.org")
    dated(ws.profile("bob", moved), NOW + dt.timedelta(minutes=30))
    for hours in (3, 20):  # the retry held at 15:00; the next day's digest (send_at 07:30) at 08:00
        with Store(ws.config.database) as store, SmtpSender(ws.config.smtp) as sender:
            run_once(ws.config, store, load_profiles(ws.config), sender, NOW + dt.timedelta(hours=hours))
        if hours == 3:
            assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"]]
    assert [m.rcpt_tos for m in server.handler.messages] == [["ada@example.org"], ["bob@new.example.org"]]
    assert "Robotics Today" in server.handler.messages[-1].message.get_body(("plain",)).get_content()


def test_a_file_moved_in_with_its_old_time_kept_is_read_again_before_a_retry(ws, server, tmp_path):
    """Bob's digest is greylisted at NOW; his new file (bob@new.example.org), written two hours
    before and moved into the folder half an hour after (`mv`, `rsync -a`, `cp -p` keep a file's
    time), is newer than the digest all the same (its inode's change time, which no copy keeps):
    the retry three hours later does not go to the old address."""
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, NOW)
    staged = tmp_path / "staged-bob.yaml"
    staged.write_text(BOB.replace("bob@example.org", "bob@new.example.org"))
    dated(staged, NOW - dt.timedelta(hours=2))
    staged.rename(ws.root / "profiles" / "bob.yaml")  # mv: the file's time is kept

    bob = held_at_retry(ws, server)
    assert bob.last_error.startswith("not tried: the reader's address changed since the digest was made")


def test_a_file_linked_in_to_an_older_file_is_read_again_before_a_retry(ws, server):
    """Bob's digest is made and greylisted a lookback after his new file (bob@new.example.org)
    was written in a folder of the profiles' (versions/); then his profile is made a symbolic
    link to it (`ln -sfn`: the file it leads to, and its times, older than the digest): the link
    is newer (its own change time), so the retry three hours later does not go to the old address."""
    staged = ws.root / "profiles" / "versions" / "bob-2.yaml"
    staged.parent.mkdir()
    staged.write_text(BOB.replace("bob@example.org", "bob@new.example.org"))
    dated(staged, NOW - dt.timedelta(hours=2))
    # its planning read the folder after that (a message's time is in whole seconds: the next one)
    read = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    made = read + lookback(ws.config)
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), None, made)
    time.sleep(max(0.0, (read - dt.datetime.now(dt.UTC)).total_seconds()) + 0.05)  # the link made after
    link = ws.root / "profiles" / "bob.yaml"
    link.unlink()
    link.symlink_to(staged)

    bob = held_at_retry(ws, server, made)
    assert bob.last_error.startswith("not tried: the reader's address changed since the digest was made")
