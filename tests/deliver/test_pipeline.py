"""`send`: digests are made while earlier ones are with the server; each is stored before it goes."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from digest.compose.render import Renderer, builtin_templates
from digest.daemon.claims import mark_period
from digest.daemon.sendnow import send_now
from digest.deliver.delivery import FILE_BATCH, deliver_due
from digest.deliver.file_transport import FileSender
from digest.deliver.journal import journals, read
from digest.deliver.outbox import QUEUED, SENT, NewMessage, Outbox
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.forking import can_fork
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.slots import current_period
from digest.store import Store

from conftest import NOW, make_dump

pytestmark = pytest.mark.backends  # the tests that take a workspace run on SQLite and PostgreSQL

READERS = 12


def setup(ws, readers: int = READERS) -> None:
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "Event-driven hardware.")]))
    for i in range(readers):
        ws.profile(f"r{i:02d}", f"email: r{i:02d}@example.org\ninterests: [neuromorphic]\n")


def test_every_reader_gets_one_message_each_recorded_with_its_papers(mail_workspace, smtp_server):
    setup(mail_workspace)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        report = send_now(config, store, load_profiles(config), None, NOW)
        assert sorted(o.user for o in report.delivered if o.ok) == [f"r{i:02d}" for i in range(READERS)]
        stored = Outbox(store).messages()
        assert [m.status for m in stored] == [SENT] * READERS
        assert all(m.period for m in stored)  # each marks its reader's period done
        assert all(store.schedule_state(m.user)[0] == m.period for m in stored)
        received = {r.data for r in smtp_server.handler.messages}
        assert received == {m.mime for m in stored}  # what went out is what was stored
        assert all(store.sent_paper_ids(f"r{i:02d}") for i in range(READERS))


def test_send_stores_no_second_digest_for_a_period_a_worker_queued_while_it_planned(
    mail_workspace, smtp_server
):
    setup(mail_workspace)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        profiles = load_profiles(config)
        # a worker's transaction committed r00's digest for the period after `send` read its state
        mark_period(store, "r00", current_period(profiles[0], NOW), "<r00-worker@example.org>")
        report = send_now(config, store, profiles, None, NOW)
        assert sorted(o.user for o in report.delivered if o.ok) == [f"r{i:02d}" for i in range(1, READERS)]
        assert "r00" not in {m.user for m in Outbox(store).messages()}
        assert len(smtp_server.handler.messages) == READERS - 1


def test_send_goes_on_past_many_digests_a_worker_queued_first(mail_workspace, smtp_server):
    """More refused digests than the messages `send` makes ahead of the server: none holds it up."""
    setup(mail_workspace, readers=80)
    config = mail_workspace.config
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        profiles = load_profiles(config)
        for p in profiles[:75]:
            mark_period(store, p.user, current_period(p, NOW), f"<{p.user}-worker@example.org>")
        report = send_now(config, store, profiles, None, NOW)
        assert sorted(o.user for o in report.delivered if o.ok) == [f"r{i:02d}" for i in range(75, 80)]


def test_a_digest_that_cannot_be_made_fails_for_its_reader_alone_and_nobody_gets_two(
    mail_workspace, smtp_server, tmp_path
):
    setup(mail_workspace)
    config = mail_workspace.config
    broken = tmp_path / "templates"
    broken.mkdir()
    text = (builtin_templates() / "digest.txt.j2").read_text()
    trap = "{% if profile.user == 'r07' %}{{ no_such_value }}{% endif %}"
    (broken / "digest.txt.j2").write_text(trap + text)
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        report = send_now(config, store, load_profiles(config), None, NOW, renderer=Renderer(broken))
        failed = [o for o in report.delivered if not o.ok]
        assert [o.user for o in failed] == ["r07"] and "cannot build the message" in failed[0].reply
        made = Outbox(store).messages()
        assert sorted(m.user for m in made) == [f"r{i:02d}" for i in range(READERS) if i != 7]
        assert all(m.status in (SENT, QUEUED) for m in made)

        again = send_now(config, store, load_profiles(config), None, NOW)  # the fixed templates
        assert [o.user for o in again.delivered] == ["r07"]
        users = sorted(m.user for m in Outbox(store).messages() if m.status == SENT)
        assert users == [f"r{i:02d}" for i in range(READERS)]
    recipients = [r.rcpt_tos[0] for r in smtp_server.handler.messages]
    assert sorted(recipients) == sorted(set(recipients))  # nobody got two


def test_the_messages_made_ahead_of_the_server_stay_few(workspace, tmp_path):
    """Memory stays flat: the producer waits once a few dozen messages wait for the server."""
    config = workspace.config
    made, ahead = [0], []

    def fresh():
        for i in range(300):
            made[0] += 1
            yield NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@example.org>", "S", b"x" * 1000, ())

    class Watching(FileSender):
        def send(self, mail):
            ahead.append(made[0] - len(ahead))
            return super().send(mail)

    with Store(config.database) as store:
        outcomes = deliver_due(config, store, Watching(tmp_path / "eml"), NOW, fresh=fresh(), fresh_count=300)
    assert len(outcomes) == 300 and all(o.ok for o in outcomes)
    assert max(ahead) <= 64


def test_to_files_each_message_is_stored_before_it_is_written_and_recorded_with_the_next_batch(
    workspace, tmp_path
):
    """Nothing to repeat after a crash, with a sender whose re-send overwrites the same file:
    when a file is written, its own message is stored (so a re-send keeps its Message-ID,
    and its file name), and every message of the earlier batches is recorded as sent (seen
    from another connection to the database): one commit per batch, not per message."""
    config = workspace.config
    seen: list[tuple[int, int, bool]] = []  # (files written before, sent then, this one stored)
    count = 2 * FILE_BATCH + 40
    fresh = [
        NewMessage(f"r{i}", f"r{i}@example.org", f"<m{i}@example.org>", "S", b"x" * 1000, ())
        for i in range(count)
    ]

    with Store(config.database) as store, Store(config.database) as other:

        class Watching(FileSender):
            def send(self, mail):
                sent = other.db.execute("SELECT COUNT(*) FROM outbox WHERE status = ?", (SENT,)).fetchone()[0]
                mine = other.db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE message_id = ?", (mail.message_id,)
                )
                seen.append((len(seen), sent, mine.fetchone()[0] == 1))
                return super().send(mail)

        outcomes = deliver_due(
            config, store, Watching(tmp_path / "eml"), NOW, fresh=iter(fresh), fresh_count=count
        )
        assert len(outcomes) == count and all(o.ok for o in outcomes)
        assert Outbox(store).counts()[SENT] == count
    assert seen == [(i, i // FILE_BATCH * FILE_BATCH, True) for i in range(count)]
    assert len(list((tmp_path / "eml").glob("*.eml"))) == count


@pytest.mark.parametrize("connections", [1, 3])
def test_over_smtp_each_message_arrives_only_after_its_connections_previous_result_is_committed(
    workspace, connections
):
    """The guarantee over SMTP: when a message's data has arrived, every earlier message on
    its connection is recorded as sent (seen from another connection to the database), or,
    with several connections, noted in the pass's journal beside the database (recorded from
    there by the next pass, were this one killed now); and the message itself is stored."""
    config = workspace.config
    fresh = [
        NewMessage(
            f"r{i}",
            f"r{i}@example.org",
            f"<m{i}@example.org>",
            "S",
            f"X-Id: <m{i}@example.org>\r\n\r\nx\r\n".encode(),
            (),
        )
        for i in range(30)
    ]
    with Store(config.database) as store, Store(config.database) as other:

        class Checking:
            def __init__(self) -> None:
                self.before: dict[int, list[str]] = {}  # per connection: the Message-IDs it got
                self.wrong: list[str] = []

            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
                mine = self.before.setdefault(id(session), [])
                message_id = envelope.content.decode().split()[1]  # X-Id: <...>
                rows = other.db.execute("SELECT id, message_id, status FROM outbox").fetchall()
                noted = {a.outbox_id for path in journals(store.path) for a in read(path)}
                kept = {m: status == SENT or row_id in noted for row_id, m, status in rows}
                if not all(kept.get(m) for m in mine) or message_id not in kept:
                    self.wrong.append(message_id)
                mine.append(message_id)
                return "250 queued"

        handler = Checking()
        with LocalSmtpServer(handler) as server:
            workspace.config_path.write_text(
                workspace.config_path.read_text().replace("port: 2525", f"port: {server.port}")
            )
            outcomes = deliver_due(
                workspace.config, store, None, NOW, fresh=iter(fresh), fresh_count=30, connections=connections
            )
        assert len(outcomes) == 30 and all(o.ok for o in outcomes)
        assert Outbox(store).counts()[SENT] == 30
    assert handler.wrong == []
    assert sum(len(ids) for ids in handler.before.values()) == 30
    assert len(handler.before) == connections
    assert journals(store.path) == []  # all recorded: the journal is gone


def test_with_no_other_thread_the_messages_are_made_in_a_child_and_each_is_stored_then_sent(
    workspace, tmp_path
):
    setup(workspace)
    config = workspace.config
    folder = tmp_path / "eml"
    if not can_fork():  # a thread left running by an earlier test: send would make them here
        pytest.skip("another thread runs in this process: nothing is forked")
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        report = send_now(config, store, load_profiles(config), lambda: FileSender(folder), NOW)
        assert sorted(o.user for o in report.delivered if o.ok) == [f"r{i:02d}" for i in range(READERS)]
        stored = {m.message_id: m for m in Outbox(store).messages()}
        assert set(report.queued) == set(stored) and all(m.status == SENT for m in stored.values())
    files = {p.read_bytes() for p in folder.glob("*.eml")}
    assert files == {m.mime for m in stored.values()}
    assert not multiprocessing.active_children()  # the maker is gone


class BrokenProgress:
    def start(self, what: str, total: int) -> None:
        raise RuntimeError("the terminal went away")


def test_a_send_that_fails_before_its_first_message_leaves_no_maker_and_no_thread_behind(workspace, tmp_path):
    setup(workspace)
    config = workspace.config
    if not can_fork():
        pytest.skip("another thread runs in this process: nothing is forked")
    with Store(config.database) as store:
        ingest(store, [config.inbox / "day.txt"], NOW)
        sender = lambda: FileSender(tmp_path / "eml")  # noqa: E731 - a factory: made in a child, read ahead
        with pytest.raises(RuntimeError, match="the terminal went away"):
            send_now(config, store, load_profiles(config), sender, NOW, progress=BrokenProgress())
    assert not multiprocessing.active_children()  # the maker was stopped
    assert threading.active_count() == 1 and can_fork()  # and what read ahead of it too


def plain(user: str, address: str, n: int) -> NewMessage:
    return NewMessage(user, address, f"<m{n}@example.org>", "S", b"Subject: s\r\n\r\nx\r\n", ())


def deliver_through(workspace, handler, fresh: list[NewMessage], **options):
    """``fresh`` delivered over one connection to a server run by ``handler``: the outcomes and
    each stored message's status by reader."""
    with LocalSmtpServer(handler) as server, Store(workspace.config.database) as store:
        workspace.config_path.write_text(
            workspace.config_path.read_text().replace("port: 2525", f"port: {server.port}")
        )
        outcomes = deliver_due(
            workspace.config,
            store,
            None,
            NOW,
            fresh=iter(fresh),
            fresh_count=len(fresh),
            connections=1,
            **options,
        )
        return outcomes, {m.user: m.status for m in Outbox(store).messages()}


class Recipients(Mailbox):
    """Accepts every message; notes each RCPT, refuses bad@ for good and calls ``on_rcpt``."""

    def __init__(self, on_rcpt=lambda n: None) -> None:
        super().__init__()
        self.rcpts: list[str] = []
        self.on_rcpt = on_rcpt

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
        self.rcpts.append(address)
        self.on_rcpt(len(self.rcpts))
        if address == "bad@example.org":
            return "550 5.1.1 <bad@example.org>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_stop_asked_while_a_message_is_on_its_way_leaves_it_stored_and_undelivered(workspace):
    """SIGTERM while the server takes a message: the message is stored before its data ends,
    and then not finished: the server never accepts it, and it waits, queued, for the next
    pass. Nothing after it is sent. (With PostgreSQL each message is stored with the previous
    result, so nothing after it is stored either; on SQLite the messages are stored a batch at
    a time, and the rest of its batch waits, queued, too.)"""
    stop = threading.Event()
    handler = Recipients(on_rcpt=lambda n: n == 4 and stop.set())  # as the SIGTERM handler does
    fresh = [plain(f"r{i}", f"r{i}@example.org", i) for i in range(10)]
    outcomes, statuses = deliver_through(workspace, handler, fresh, stop=stop)
    assert [r.rcpt_tos[0] for r in handler.messages] == ["r0@example.org", "r1@example.org", "r2@example.org"]
    assert sorted(o.user for o in outcomes if o.ok) == ["r0", "r1", "r2"]
    assert {u: s for u, s in statuses.items() if s != QUEUED} == {"r0": SENT, "r1": SENT, "r2": SENT}
    assert statuses["r3"] == QUEUED


def test_after_a_hard_bounce_in_the_pass_the_bounced_address_never_sees_another_rcpt(workspace):
    """A reader's address refused for good (5.1.1) is suppressed in the same pass: a second
    message to it is checked before anything of it goes to the server, not withdrawn after."""
    handler = Recipients()
    fresh = [plain("rb", "bad@example.org", 0), plain("r1", "ok@example.org", 1)]
    fresh += [plain("rb", "bad@example.org", 2), plain("r2", "ok2@example.org", 3)]
    outcomes, _ = deliver_through(workspace, handler, fresh)
    assert handler.rcpts == ["bad@example.org", "ok@example.org", "ok2@example.org"]
    # recorded in that order with PostgreSQL; on SQLite the accepted ones are recorded later, in a batch
    got = sorted((o.user, o.ok) for o in outcomes)
    assert got == [("r1", True), ("r2", True), ("rb", False), ("rb", False)]
    assert "suppressed" in [o.reply for o in outcomes if o.user == "rb"][1]
