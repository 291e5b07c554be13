"""A digest waiting for a retry when its reader gives another address (deliver/wanted: held, not
re-addressed) is made again for the new address the same day while the send time's grace lasts,
by the running daemon: one digest at the new address, none at the old, each paper once (a real
SMTP server on loopback greylisting the old address, real profile files, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.greylisted_bob import (
    BOB,
    FRI_0730,
    PAPERS,
    Greylisting,  # bob@example.org's first RCPT answered 451
    bobs_daemon,
)

from digest.daemon.sendnow import ALREADY, SendReport, send_now
from digest.daemon.service import Daemon
from digest.daemon.tick_report import TickReport
from digest.db import POSTGRESQL
from digest.deliver.outbox import FAILED, Outbox
from digest.deliver.transports import SmtpSender
from digest.deliver.wanted import held_for_new_address
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.files import write_atomic
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


@pytest.fixture
def greylisting():
    with LocalSmtpServer(Greylisting()) as server:
        yield server


def test_a_retry_held_for_a_new_address_is_made_again_for_it_the_same_morning(
    tmp_path, greylisting, database
):
    ws = Workspace(tmp_path, greylisting.port, database)
    path, at = bobs_daemon(ws)
    at(1)  # 07:31: bob's digest made; the server answers 451 (tried again a minute later)
    assert greylisting.handler.messages == []
    write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))  # his new address
    at(1.5)  # 07:31:30: not retried yet
    at(3)  # 07:33: the retry is held (its text names bob@example.org)
    at(4)  # 07:34: the day's digest made again, for bob@new.example.org
    at(5)
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]
    at(24 * 60 + 1)  # the next morning: nothing new since, nothing sent again
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]
    assert "Robotics Today" in greylisting.handler.messages[0].message.get_body(("plain",)).get_content()
    with Store(ws.config.database) as store:
        held, made = Outbox(store).entries(user="bob")
    assert held.recipient == "bob@example.org" and held.status == FAILED
    assert held.last_error.startswith("not tried: the reader's address changed since the digest was made")
    assert made.recipient == "bob@new.example.org"


def held_by_a_send(
    ws: Workspace, now: list[dt.datetime], path: Path, at: Callable[[float], None]
) -> SendReport:
    """Bob's digest made by the daemon at 07:31 (the server answers 451), his new address written,
    and the retry held by a `digest send` at 07:33 (its report)."""
    at(1)
    write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
    at(1.5)  # the daemon sees the file changed: bob's period is done, looked at again tomorrow
    now[0] = FRI_0730 + dt.timedelta(minutes=3)
    with Store(ws.config.database) as store:  # 07:33: `digest send` retries bob's: held
        return send_now(ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), now[0])


class TakenThenGone(Mailbox):
    """Keeps bob@example.org's first message, then hangs up without the answer (the answer lost:
    the server has it, the daemon cannot know), then answers as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if envelope.rcpt_tos == ["bob@example.org"] and not self.dropped:
            self.dropped = True
            server.transport.close()  # accepted, then the connection is gone without a reply
        return reply


def test_a_retry_held_whose_earlier_try_may_have_been_taken_is_not_made_again(tmp_path, database):
    with LocalSmtpServer(TakenThenGone()) as server:
        ws = Workspace(tmp_path, server.port, database)
        path, at = bobs_daemon(ws)
        at(1)  # 07:31: bob's digest taken by the server, its answer lost: deferred
        assert [m.rcpt_tos for m in server.handler.messages] == [["bob@example.org"]]
        write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
        for minutes in (3, 4, 5, 10):  # the retry held at 07:33; the day's digest not made again
            at(minutes)
        assert [m.rcpt_tos for m in server.handler.messages] == [["bob@example.org"]]
        at(24 * 60 + 1)  # the next morning's digest goes to the new address, as before the change
        assert [m.rcpt_tos for m in server.handler.messages] == [["bob@example.org"], ["bob@new.example.org"]]
        with Store(ws.config.database) as store:
            held, _next_morning = Outbox(store).entries(user="bob")
        assert held.status == FAILED and "the server may have taken it" in held.last_error


def test_a_retry_held_by_a_send_is_made_again_by_the_running_daemon(tmp_path, greylisting, database):
    """`digest send` (retrying what waits for bob) holds it: the daemon, which made the digest and
    looks at bob again only at his next slot, still makes the day's digest again."""
    ws = Workspace(tmp_path, greylisting.port, database)
    now = [FRI_0730]
    path, at = bobs_daemon(ws, now)
    report = held_by_a_send(ws, now, path, at)
    assert [d.reply.startswith("not tried: the reader's address changed") for d in report.delivered] == [True]
    at(4)  # 07:34: the daemon makes the day's digest again, for bob@new.example.org
    at(5)
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]
    at(24 * 60 + 1)
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]


def test_a_held_retry_is_made_again_whatever_words_its_reason_has(tmp_path, greylisting, database):
    """The daemon finds the held messages whose period was reopened by a mark the hold writes, not
    by the words of their reason (which a later release may say otherwise)."""
    ws = Workspace(tmp_path, greylisting.port, database)
    now = [FRI_0730]
    path, at = bobs_daemon(ws, now)
    held_by_a_send(ws, now, path, at)
    with Store(ws.config.database) as store, store.transaction():
        reworded = "UPDATE outbox SET last_error = 'not tried: (said in other words)' WHERE status = 'failed'"
        store.db.execute(reworded)
    at(4)  # 07:34: the day's digest made again, for bob@new.example.org
    at(5)
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]


def test_a_retry_held_before_the_mark_was_kept_is_made_again(tmp_path, greylisting, database):
    """A message held by a release before schema 28 (no mark, only its reason's words) is marked by
    the migration: the running daemon of the new release still makes the day's digest again."""
    ws = Workspace(tmp_path, greylisting.port, database)
    now = [FRI_0730]
    path, at = bobs_daemon(ws, now)
    held_by_a_send(ws, now, path, at)
    with Store(ws.config.database) as store:
        postgres = store.dialect == POSTGRESQL
        with store.transaction():
            store.db.execute("ALTER TABLE outbox DROP COLUMN reopened")  # (schema 27 -> 28's)
            store.db.execute("ALTER TABLE reader_name_removals DROP COLUMN dropped")  # (28 -> 29's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN failed_after")  # (29 -> 30's)
            store.db.execute("ALTER TABLE workers DROP COLUMN schema_version")  # (31 -> 32's)
            store.db.execute("DROP TABLE fetch_names")  # (32 -> 33's)
            store.db.execute("DROP INDEX listings_day")  # (33 -> 34's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN queued_on_server")  # (34 -> 35's)
            store.db.execute("DROP TABLE missed_said")  # (35 -> 36's)
            store.db.execute("ALTER TABLE outbox DROP COLUMN for_files")  # (36 -> 37's)
            store.db.execute("ALTER TABLE fetches DROP COLUMN run_at")  # (37 -> 38's)
            store.db.execute("ALTER TABLE fetches DROP COLUMN succeeded_run_at")
            store.db.execute("DROP TABLE listing_fetches")  # (38 -> 39's)
            store.db.execute("DROP INDEX papers_first_seen")
            store.db.execute("DROP INDEX listings_ingested")
            if postgres:
                store.db.execute("ALTER TABLE reader_failures DROP COLUMN period")  # (30 -> 31's)
                store.db.execute("ALTER TABLE reader_failures DROP COLUMN said_at")
                store.db.execute("UPDATE schema_version SET version = 27")
        if not postgres:
            store.db.execute("PRAGMA user_version = 27")
    at(4)  # the daemon's pass opens the store: migrated to 30, the held message marked
    at(5)
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]


class Deferring(Mailbox):
    """Answers every RCPT to bob@example.org with a 451 (tried again later)."""

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        if address == "bob@example.org":
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


NOT_REMADE = "(its papers go in their next digest, to that address)"


def test_a_held_retry_after_the_grace_is_not_said_to_be_made_again(tmp_path, greylisting, database):
    """Held past the send time's grace (the daemon down till noon), the day's digest is not made
    again, and the hold says only where its papers go."""
    ws = Workspace(tmp_path, greylisting.port, database)
    path, at = bobs_daemon(ws)
    at(1)  # 07:31: bob's digest made; the server answers 451
    write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
    at(4 * 60 + 30)  # 12:00, the grace (4 hours) over: the retry held
    at(4 * 60 + 31)
    assert greylisting.handler.messages == []
    with Store(ws.config.database) as store:
        (held,) = Outbox(store).entries(user="bob")
    assert held.status == FAILED and held.last_error.endswith(f"bob@new.example.org {NOT_REMADE}")
    at(24 * 60 + 1)  # the next morning's digest goes to the new address, with the held one's papers
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]
    assert "Robotics Today" in greylisting.handler.messages[0].message.get_body(("plain",)).get_content()


def test_a_retry_held_after_the_grace_leaves_the_day_done(tmp_path, greylisting, database):
    """Before: held past the grace, the day's period was reopened (and the message marked so) all
    the same: the daemon looked at bob again for nothing, and a `digest send` that afternoon made
    the day's digest again, though the hold had said its papers go in his next one. The day stays
    done: the send retries nothing and makes nothing; the next morning's digest has the papers."""
    ws = Workspace(tmp_path, greylisting.port, database)
    now = [FRI_0730]
    path, at = bobs_daemon(ws, now)
    at(1)  # 07:31: bob's digest made; the server answers 451
    write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
    at(4 * 60 + 30)  # 12:00, the grace (4 hours) over: the retry held
    with Store(ws.config.database) as store:
        (held,) = Outbox(store).entries(user="bob")
        reopened = store.db.execute("SELECT reopened FROM outbox WHERE message_id = ?", (held.message_id,))
        assert reopened.fetchone()[0] == 0
        assert held_for_new_address(store, FRI_0730) == []  # the daemon has no reason to look again
        now[0] = FRI_0730 + dt.timedelta(hours=5)  # 12:30: `digest send`
        report = send_now(ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), now[0])
    assert [(p.profile.user, p.action) for p in report.planned] == [("bob", ALREADY)]
    assert report.queued == () and greylisting.handler.messages == []
    at(24 * 60 + 1)  # the next morning's digest goes to the new address, with the held one's papers
    assert [m.rcpt_tos for m in greylisting.handler.messages] == [["bob@new.example.org"]]
    assert "Robotics Today" in greylisting.handler.messages[0].message.get_body(("plain",)).get_content()


def test_a_held_forced_digest_is_not_said_to_be_made_again(tmp_path, database):
    """A `digest send --force` digest is not its period's (the day's is the daemon's): held for the
    new address, it reopens nothing, and says only where its papers go; the day's is made again."""
    with LocalSmtpServer(Deferring()) as server:
        ws = Workspace(tmp_path, server.port, database)
        now = [FRI_0730]
        path, at = bobs_daemon(ws, now)
        at(1)  # 07:31: the day's digest made; 451
        ws.dump("later.txt", make_dump("Mar 20", [("Robotics Tomorrow", "More robots.")]), mtime=FRI_0730)
        at(1.5)  # the new listing read
        now[0] = FRI_0730 + dt.timedelta(minutes=2)
        with Store(ws.config.database) as store:  # 07:32: `digest send --force`: a second digest, 451
            send_now(
                ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), now[0], force=True
            )
        write_atomic(path, BOB.replace("bob@example.org", "bob@new.example.org"))
        for minutes in (5, 6, 7):  # both held; the day's digest made again for the new address
            at(minutes)
        with Store(ws.config.database) as store:
            day, forced, *made = Outbox(store).entries(user="bob")
        assert day.last_error.endswith("made again today while the send time's grace lasts)")
        assert forced.status == FAILED and forced.last_error.endswith(f"bob@new.example.org {NOT_REMADE}")
        assert [m.recipient for m in made] == ["bob@new.example.org"]
        assert [m.rcpt_tos for m in server.handler.messages] == [["bob@new.example.org"]]


@pytest.mark.parametrize("change", ["new address", "paused"])
def test_a_pass_that_holds_a_retry_no_longer_wanted_is_no_failure_for_a_timer(
    tmp_path, greylisting, database, change
):
    # `run --once` exited 1 at the pass that held bob's retry ("FAILED bob: not tried: the
    # reader's address changed since the digest was made ..."), though the next pass makes it
    # again for his new address (paused, he wants none): a timer's unit said failed, its
    # OnFailure= mailed the operator, for a reader's own change.
    ws = Workspace(tmp_path, greylisting.port, database)
    path = ws.profile("bob", BOB)
    ws.dump("day.txt", make_dump("Mar 19", PAPERS), mtime=FRI_0730 - dt.timedelta(hours=6))
    now = [FRI_0730]

    def at(minutes: float) -> TickReport:  # a timer's `run --once`: a daemon's one pass, afresh
        now[0] = FRI_0730 + dt.timedelta(minutes=minutes)
        return Daemon(ws.config, lambda: now[0], sender_factory=lambda c: SmtpSender(c.smtp)).run_once()

    assert at(1).failed_readers  # 07:31: answered 451: `run --once` exits 1, as `send` does
    paused = change == "paused"
    write_atomic(path, BOB + "paused: true\n" if paused else BOB.replace("bob@", "bob@new."))
    held = at(3)  # 07:33: the retry held, not offered to the server
    why = "paused since the digest was made" if paused else "the reader's address changed"
    assert [d.reply.startswith(f"not tried: {why}") for d in held.delivered] == [True]
    assert not held.failed_readers  # exits 0
    said = Daemon.describe(held)
    assert f"not sent to bob: {why}" in said and "FAILED" not in said
    again = at(4)  # 07:34: made again for the new address, and taken (paused: nothing)
    assert not again.failed_readers
    sent = [m.rcpt_tos for m in greylisting.handler.messages]
    assert sent == ([] if paused else [["bob@new.example.org"]])
