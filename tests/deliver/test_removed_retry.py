"""A digest waiting for a retry when its reader's profile file is removed (not given to anyone
else) is not sent after they left: held, as a given-away name's is; a file renamed (the same
address under a new name) is the same reader, whose retry goes (a real daemon's passes, a real
SMTP server on loopback greylisting bob's first try, real profile files, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.greylisted_bob import BOB, FRI_0730, bobs_daemon, greylisting  # noqa: F401 (a fixture)

from digest.daemon.status import collect_status, format_status
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def test_a_removed_readers_retry_is_held_not_sent_after_they_left(tmp_path, greylisting, database):  # noqa: F811
    # Before: bob's file removed after his digest was deferred, the next pass sent it all the same
    ws = Workspace(tmp_path, greylisting.port, database)
    ws.profile("ada", BOB.replace("Bob", "Ada").replace("bob@", "ada@"))  # (an emptied folder: no look)
    path, at = bobs_daemon(ws)
    at(1)  # 07:31: bob's digest made; the server answers 451 (tried again a minute later)
    path.unlink()  # bob is removed
    at(3)  # 07:33: the retry is held
    at(24 * 60 + 1)  # the next morning: nothing for bob
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["ada@example.org"]]
    with Store(ws.config.database) as store:
        (held,) = Outbox(store).entries(user="bob")
    assert held.status == FAILED and held.attempts == 1
    assert held.last_error.startswith("not tried: a removed reader's (their profile file is gone")
    status = format_status(collect_status(ws.config, FRI_0730 + dt.timedelta(days=1)))
    assert "Messages that failed for good" in status
    assert "bob <bob@example.org> (2026-03-20 07:31 UTC): not tried: a removed reader's" in status


def test_a_renamed_readers_retry_goes_to_them_under_the_new_name(tmp_path, greylisting, database):  # noqa: F811
    ws = Workspace(tmp_path, greylisting.port, database)
    path, at = bobs_daemon(ws)
    at(1)  # 07:31: bob's digest made; the server answers 451
    path.rename(path.with_name("robert.yaml"))  # the same reader, renamed
    at(3)  # 07:33: bob's records are robert's; the retry goes
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@example.org"]]
    with Store(ws.config.database) as store:
        (sent,) = Outbox(store).entries(user="robert")
    assert sent.status == SENT


def test_a_removed_reader_back_gets_the_held_digests_papers_next(tmp_path, greylisting, database):  # noqa: F811
    ws = Workspace(tmp_path, greylisting.port, database)
    ws.profile("ada", BOB.replace("Bob", "Ada").replace("bob@", "ada@"))
    path, at = bobs_daemon(ws)
    at(1)  # 07:31: bob's digest made; 451
    path.unlink()
    at(3)  # 07:33: held
    ws.profile("bob", BOB)  # back, with his address: the same reader
    at(23 * 60)  # a pass before his time: a file just written waits one pass (a save under way?)
    at(24 * 60 + 1)  # the next morning's digest brings the held one's papers
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["ada@example.org"], ["bob@example.org"]]
    assert "Robotics Today" in greylisting.handler.messages[1].message.get_body(("plain",)).get_content()


def test_a_send_by_hand_holds_a_removed_readers_retry_and_status_says_so(tmp_path, greylisting, database):  # noqa: F811
    # Before: with no daemon, `digest send` left bob's retry queued for good (it serves the readers
    # with a file), so `digest status` listed it among the messages waiting to be sent, after he left
    ws = Workspace(tmp_path, greylisting.port, database)
    bob_deferred_then_removed(ws)
    second = ws.cli("send")
    assert "bob" in second.output and "not tried: a removed reader's" in second.output
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["ada@example.org"]]
    status = ws.cli("status").output
    assert "Messages waiting to be sent" not in status
    assert "not tried: a removed reader's (their profile file is gone)" in status


def test_a_send_for_one_reader_says_it_leaves_a_removed_readers_retry(tmp_path, greylisting, database):  # noqa: F811
    # Before: `digest send --user ada` said nothing of bob's retry, which it leaves (another reader's
    # mail), and `digest status` listed it among the messages waiting to be sent, after he left
    # ("Messages waiting to be sent:\n  bob <bob@example.org>: 1 attempt, next ...")
    ws = Workspace(tmp_path, greylisting.port, database)
    bob_deferred_then_removed(ws, "--user", "bob")
    one = ws.cli("send", "--user", "ada")
    assert one.exit_code == 0
    assert "ada@example.org" in one.output and "sent" in one.output
    assert (
        "bob: a removed reader's digest waits in the outbox (their profile file is gone): "
        "not sent by this `send --user`: a `digest send` without --user holds it back at once, the "
        "daemon's pass when its retry is due (unless the file comes back first)"
    ) in one.output
    with Store(ws.config.database) as store:
        (left,) = Outbox(store).entries(user="bob")
    assert left.status == QUEUED  # another reader's mail: left as it was
    status = ws.cli("status").output  # said as what it is: held when tried, never sent
    assert "Messages waiting to be sent" not in status, status
    assert (
        "Removed readers' digests waiting (held, not sent: by the daemon's pass when the retry is due, "
        "or by `digest send` without --user now):\n  bob <bob@example.org> (made "
    ) in status, status
    assert status.rstrip().endswith("): their profile file is gone"), status
    every = ws.cli("send")  # held now
    assert "bob" in every.output and "not tried: a removed reader's" in every.output
    assert "waits in the outbox" not in every.output
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["ada@example.org"]]


def bob_deferred_then_removed(ws: Workspace, *send: str) -> None:
    """ada's and bob's profile files, the day's listing taken in, a `digest send` (``send``: its
    options) whose digest to bob the server answers 451 (he waits for a retry), then bob's file
    removed."""
    ws.profile("ada", BOB.replace("Bob", "Ada").replace("bob@", "ada@"))
    path = ws.profile("bob", BOB)
    ws.dump("day.txt", make_dump("Mar 19", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    assert "deferred until" in ws.cli("send", *send).output
    path.unlink()
