"""A digest still waiting for a retry when its reader's next digest is made, that fails for good
after (its retries run out, a 550, held), has its papers in the reader's digest after that one:
the next digest's window started after it, but its papers were sent in none (a real daemon's
passes at a set clock, a real SMTP server on loopback deferring Thursday's digest, two days of
listings, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.bobs_week import BOB, DAY, LOST, THU_0730, Deferring, bobs_week, received

from digest.compose.preview import preview
from digest.daemon.sendnow import send_now
from digest.deliver.outbox import FAILED, SENT, Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.files import write_atomic
from digest.ingest.dumps import ingest_inbox
from digest.profiles.load import load_profiles
from digest.select.digests import digest_of_day, next_digest, rank_next
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def server():
    with LocalSmtpServer(Deferring()) as server:
        yield server


def test_a_digest_refused_for_good_after_the_next_one_was_made_has_its_papers_in_the_one_after(
    tmp_path, server, database
):
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws, retry_for_hours=48)  # a 550, not the retries run out
    at(dt.timedelta(minutes=1))  # Thursday 07:31: Thursday's digest made; 451: tried again later
    assert len(server.handler.refused) == 1 and server.handler.messages == []
    at(DAY + dt.timedelta(minutes=1))  # Friday 07:31: Friday's made and sent; Thursday's still 451
    server.handler.reply = "550 5.2.2 mailbox full"
    at(DAY + dt.timedelta(hours=2))  # Friday 09:30: Thursday's refused for good
    with Store(ws.config.database) as store:
        assert [e.status for e in Outbox(store).entries(user="bob")] == [FAILED, SENT]
        (bob,) = load_profiles(ws.config)  # what `status`, `rank --next` and `preview` show of it
        friday_noon = THU_0730 + DAY + dt.timedelta(hours=5)
        shown = [sorted(m.paper.title for m in matches) for matches in (
            next_digest(store, bob, friday_noon).matches,
            rank_next(store, bob, friday_noon),
            digest_of_day(store, bob, dt.date(2026, 3, 21)).matches,
        )]  # fmt: skip
        assert shown == [["Robotics Thursday"]] * 3  # (Saturday's listing not in yet)
    at(2 * DAY + dt.timedelta(minutes=1))  # Saturday 07:31
    at(3 * DAY + dt.timedelta(minutes=1))  # Sunday 07:31: nothing new, nothing again
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]
    with Store(ws.config.database) as store:  # `preview --date` of the days past: the digests sent
        days = [digest_of_day(store, bob, dt.date(2026, 3, day)).matches for day in (20, 21)]
    assert [sorted(m.paper.title for m in matches) for matches in days] == [
        ["Robotics Friday"],
        ["Robotics Saturday", "Robotics Thursday"],
    ]


def test_a_digest_stamped_a_year_ahead_before_the_failure_leaves_its_papers_to_one_digest(
    tmp_path, server, database
):
    """Friday's digest stamped a year ahead (its machine's clock wrong a moment), Thursday's
    refused after it: Saturday's is given Thursday's papers and holds Saturday's (one paper at the
    most); Sunday's is not given them again: the failure counts from when it came, not a year on."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws, retry_for_hours=48)
    ws.dump("two.txt", make_dump("Mar 19", [("Robotics Thursday Two", "Robots.")]), mtime=THU_0730 - 6 * HOUR)
    ws.profile("bob", BOB + "max_papers: 2\n")
    at(dt.timedelta(minutes=1))  # Thursday's digest, its two papers: 451
    ws.profile("bob", BOB + "max_papers: 1\n")
    at(DAY + dt.timedelta(minutes=1))  # Friday's made and sent, then stamped a year on:
    with Store(ws.config.database) as store, store.transaction():
        a_year_on = "2027-03-20T07:31:00+00:00"
        store.db.execute("UPDATE outbox SET created_at = ? WHERE status = ?", (a_year_on, SENT))
    server.handler.reply = "550 5.2.2 mailbox full"
    at(DAY + dt.timedelta(hours=2))  # Thursday's refused for good
    at(2 * DAY + dt.timedelta(minutes=1))
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday"], ["Saturday"]]


def test_a_failure_recorded_by_the_release_before_is_carried_by_its_time_alone(tmp_path, server, database):
    """A message failed before schema 30 (no failed_after: which of the reader's messages were stored
    by then) counts its time alone, as then: Saturday's brings its paper."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws, retry_for_hours=48)
    at(dt.timedelta(minutes=1))
    at(DAY + dt.timedelta(minutes=1))
    server.handler.reply = "550 5.2.2 mailbox full"
    at(DAY + dt.timedelta(hours=2))
    with Store(ws.config.database) as store, store.transaction():
        assert store.db.execute("UPDATE outbox SET failed_after = NULL WHERE status = ?", (FAILED,)).rowcount
    at(2 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]
    with Store(ws.config.database) as store:
        (bob,) = load_profiles(ws.config)
        saturday = digest_of_day(store, bob, dt.date(2026, 3, 21))
    assert sorted(m.paper.title for m in saturday.matches) == ["Robotics Saturday", "Robotics Thursday"]


def test_the_preview_of_a_day_made_while_a_digest_before_waited_is_its_email_though_that_one_failed_since(
    tmp_path, server, database
):
    """Wednesday's digest sent; Thursday's deferred past Friday's, then refused: `preview --date`
    of Friday is Friday's email (Thursday's was waiting when it was made, its window after it),
    not Friday's and Thursday's papers; Saturday's is Saturday's email, with Thursday's paper."""
    ws = Workspace(tmp_path, server.port, database)
    wednesday = make_dump("Mar 18", [("Robotics Wednesday", "Robots.")])
    ws.dump("Wednesday.txt", wednesday, mtime=THU_0730 - DAY - 6 * HOUR)
    at = bobs_week(ws, retry_for_hours=48)
    for after in (-DAY, dt.timedelta(0), DAY):  # Wednesday's sent, Thursday's 451, Friday's sent
        at(after + dt.timedelta(minutes=1))
    server.handler.reply = "550 5.2.2 mailbox full"
    at(DAY + dt.timedelta(hours=2))  # Thursday's refused for good
    at(2 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Wednesday"], ["Friday"], ["Saturday", "Thursday"]]
    for sent in server.handler.messages:
        day = dt.datetime.strptime(sent.message["Date"][5:16], "%d %b %Y").date()
        shown = preview(ws.config, "bob", THU_0730 + 3 * DAY, up_to=day).rendered.html
        assert unsigned(shown) == unsigned(sent.message.get_body(("html",)).get_content()), day


def unsigned(html: str) -> list[str]:
    """``html``'s lines (as a message carries them or not), its links' signed tokens left out."""
    return re.sub(r"/u/[^/\"<>\s]+", "/u/TOKEN", html).splitlines()


def test_a_digest_whose_retries_run_out_as_the_next_is_made_has_its_papers_in_the_one_after(
    tmp_path, server, database
):
    """Thursday's retries run out in the pass that makes Friday's digest (made first, at the same
    moment): Saturday's brings its paper, once."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))
    at(DAY + dt.timedelta(minutes=5))  # Friday 07:35: Friday's made and sent; Thursday's given up
    with Store(ws.config.database) as store:
        thursday, _friday = Outbox(store).entries(user="bob")
    assert thursday.status == FAILED
    at(2 * DAY + dt.timedelta(minutes=1))
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]


def test_a_forced_digest_made_while_the_first_waited_leaves_the_first_ones_papers_to_the_next(
    tmp_path, server, database
):
    """`digest send --force` on Thursday while Thursday's digest waits: the forced one holds what
    came since; Thursday's, refused for good, goes in Friday's."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))
    now = THU_0730 + dt.timedelta(hours=8)  # 15:30, a listing come since (ingested by the pass before)
    ws.dump(
        "extra.txt", make_dump("Mar 19", [("Robotics Extra", "Robots.")]), mtime=now - dt.timedelta(hours=2)
    )
    at(dt.timedelta(hours=7))
    with Store(ws.config.database) as store:
        send_now(ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), now, force=True)
    server.handler.reply = "550 5.2.2 mailbox full"
    at(dt.timedelta(hours=9))  # Thursday's refused for good
    at(DAY + dt.timedelta(minutes=1))
    at(2 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Extra"], ["Friday", "Thursday"], ["Saturday"]]


def test_a_digest_held_as_its_reader_paused_after_the_next_was_made_has_its_papers_after_the_pause(
    tmp_path, server, database
):
    """Held, not tried again (the reader paused since it was made): once they undo it, their next
    digest brings its papers, as README says of an unsubscribe undone."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws, retry_for_hours=48)
    at(dt.timedelta(minutes=1))
    at(DAY + dt.timedelta(minutes=1))  # Friday's made and sent; Thursday's still 451
    write_atomic(ws.root / "profiles" / "bob.yaml", BOB + "paused: true\n")
    at(DAY + dt.timedelta(hours=3))  # Thursday's retry held: bob paused
    with Store(ws.config.database) as store:
        thursday, _friday = Outbox(store).entries(user="bob")
    assert thursday.status == FAILED and thursday.last_error.startswith("not tried: paused")
    write_atomic(ws.root / "profiles" / "bob.yaml", BOB)
    at(2 * DAY + dt.timedelta(minutes=1))
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday"], ["Saturday", "Thursday"]]


def test_a_digest_whose_answer_was_lost_then_refused_has_its_papers_in_the_next_though_the_reader_may_have_it(
    tmp_path, server, database
):
    """The server took Thursday's digest and hung up before its reply, then refused its retry
    for good: its papers go in Saturday's (README, Failures): twice rather than never."""
    ws = Workspace(tmp_path, server.port, database)
    server.handler.reply = LOST
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))  # Thursday's taken, "the server hung up during DATA": tried again
    server.handler.reply = "550 5.2.2 mailbox full"
    at(DAY + dt.timedelta(minutes=1))  # Friday's made and sent; then Thursday's refused
    at(2 * DAY + dt.timedelta(minutes=1))
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Thursday"], ["Friday"], ["Saturday", "Thursday"]]


def test_a_first_digest_held_as_its_reader_paused_has_its_papers_after_the_pause(tmp_path, server, database):
    """Bob's first digest (Thursday's) waited for its retry (451) when he paused, and was held:
    once he resumed, he was given the latest listing as a new reader and Thursday's papers never
    reached him (a simulated day's finding). They are carried to his next digest, as those of
    a failed later digest are (README, Failures)."""
    ws = Workspace(tmp_path, server.port, database)
    at = bobs_week(ws, retry_for_hours=48)
    at(dt.timedelta(minutes=1))  # Thursday's made; 451: tried again later
    write_atomic(ws.root / "profiles" / "bob.yaml", BOB + "paused: true\n")
    at(dt.timedelta(hours=3))  # Thursday's retry held: bob paused
    with Store(ws.config.database) as store:
        (thursday,) = Outbox(store).entries(user="bob")
    assert thursday.status == FAILED and thursday.last_error.startswith("not tried: paused")
    at(DAY + dt.timedelta(minutes=1))  # Friday: paused, nothing made (Friday's listing taken in)
    write_atomic(ws.root / "profiles" / "bob.yaml", BOB)
    with Store(ws.config.database) as store:  # what `preview` shows of his next one on Friday
        (bob,) = load_profiles(ws.config)
        shown = sorted(m.paper.title for m in digest_of_day(store, bob, dt.date(2026, 3, 21)).matches)
    at(2 * DAY + dt.timedelta(minutes=1))  # Saturday 07:31
    at(3 * DAY + dt.timedelta(minutes=1))  # Sunday: nothing new, nothing again
    assert received(server) == [["Friday", "Saturday", "Thursday"]]  # Friday's: listed while paused
    assert shown == ["Robotics Friday", "Robotics Thursday"]  # (Saturday's listing not in yet)
    with Store(ws.config.database) as store:  # `preview --date` of Saturday: the digest sent
        (bob,) = load_profiles(ws.config)
        saturday = digest_of_day(store, bob, dt.date(2026, 3, 21)).matches
    assert sorted(m.paper.title for m in saturday) == [
        "Robotics Friday",
        "Robotics Saturday",
        "Robotics Thursday",
    ]


def test_a_first_digest_refused_for_good_has_its_papers_in_the_next(tmp_path, server, database):
    """A new reader's window is the latest listing: before, Friday's held Friday's listing
    alone and Thursday's refused papers were gone."""
    ws = Workspace(tmp_path, server.port, database)
    server.handler.reply = "550 5.2.2 mailbox full"
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))  # Thursday's first digest: refused for good
    at(DAY + dt.timedelta(minutes=1))
    at(2 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday", "Thursday"], ["Saturday"]]


def test_the_papers_listed_after_a_first_digest_refused_for_good_come_with_its_papers(
    tmp_path, server, database
):
    """Bob's first digest (Thursday's) refused for good (550), no pass on Friday (the machine off),
    `digest send` on Saturday: Thursday's papers and every one listed since, Friday's too (before,
    Friday's never came: a reader none of whose digests was kept was a new reader, given the
    latest listing); the preview is that email. Cat, whose profile came on Saturday, never had a
    digest made: the latest listing alone. Bob's next digest holds what came after, once."""
    ws = Workspace(tmp_path, server.port, database)
    server.handler.reply = "550 5.2.2 mailbox full"
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))  # Thursday's, his first: refused for good
    saturday = THU_0730 + 2 * DAY + dt.timedelta(minutes=1)
    ws.profile("cat", BOB.replace("Bob", "Cat").replace("bob@", "cat@"))
    with Store(ws.config.database) as store:
        ingest_inbox(store, ws.config.inbox, saturday, dt.timedelta(seconds=5))  # `digest ingest`
        shown = {u: preview(ws.config, u, saturday, store=store).rendered.html for u in ("bob", "cat")}
        send_now(ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), saturday)
    sent = {m.message["X-Digest-User"]: m.message for m in server.handler.messages}
    assert received(server) == [["Friday", "Saturday", "Thursday"], ["Saturday"]]  # bob's, cat's
    for user, message in sent.items():
        assert unsigned(shown[user]) == unsigned(message.get_body(("html",)).get_content()), user
    with Store(ws.config.database) as store:  # `preview --date` of Saturday: the email sent
        (bob, _cat) = load_profiles(ws.config)
        day = digest_of_day(store, bob, dt.date(2026, 3, 21)).matches
    assert sorted(m.paper.title for m in day) == ["Robotics Friday", "Robotics Saturday", "Robotics Thursday"]
    ws.dump("Sunday.txt", make_dump("Mar 22", [("Robotics Sunday", "Robots.")]), mtime=saturday + 18 * HOUR)
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server)[2:] == [["Sunday"], ["Sunday"]]


def test_two_first_digests_failed_leave_every_paper_since_the_first_to_the_next(tmp_path, server, database):
    """Thursday's and Friday's digests both refused for good (Bob's address full for two days),
    none kept: Saturday's holds everything listed from Thursday's on, each paper once; Wednesday's
    listing, before his first digest, is not his (a new reader's first digest is the latest listing)."""
    ws = Workspace(tmp_path, server.port, database)
    ws.dump(
        "Wednesday.txt", make_dump("Mar 18", [("Robotics Wednesday", "Robots.")]), mtime=THU_0730 - 30 * HOUR
    )
    server.handler.reply = "550 5.2.2 mailbox full"
    at = bobs_week(ws)
    at(dt.timedelta(minutes=1))  # Thursday's refused
    server.handler.refused.clear()  # and the next holding Thursday's paper: Friday's
    at(DAY + dt.timedelta(minutes=1))
    assert len(server.handler.refused) == 1
    at(2 * DAY + dt.timedelta(minutes=1))
    at(3 * DAY + dt.timedelta(minutes=1))
    assert received(server) == [["Friday", "Saturday", "Thursday"]]
