"""A removed reader's message at the server while their name is given to someone else: the
removed reader's records are moved aside (digest.daemon.archive) between the worker's claim of
the message and its recording. What the server's answer records (the delivery and the papers
sent, or a bounce's suppression) is the message's reader's, the archived one, not the newcomer's
who now has the name: the newcomer is sent those papers, and `digest suppressed` keeps the bounce
apart. A real SMTP server that runs `profile new`'s steps while it holds the message, on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest

from digest.daemon.names import name_taken_over, start_afresh
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profile
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [robotics]\n"
ZED = "email: zed@example.net\ninterests: [robotics]\n"


class GivenAwayMeanwhile(Mailbox):
    """While it holds the first message to ada@example.org, ada's file is removed and `profile
    new ada` made for zed@example.net (its steps: the removal noted, the file, the move aside);
    then it answers ``reply``."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply
        self.ws: Workspace | None = None
        self.moved: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos == ["ada@example.org"] and self.ws is not None and not self.moved:
            ws, self.ws = self.ws, None
            (ws.root / "profiles" / "ada.yaml").unlink()
            name_taken_over(ws.config, "ada", wall_clock())
            ws.profile("ada", ZED)
            self.moved.append(start_afresh(ws.config, load_profile(ws.config, "ada"), wall_clock()) or "")
            if not self.reply.startswith("250"):
                return self.reply
        return await super().handle_DATA(server, session, envelope)


def run(tmp_path, database, reply: str) -> tuple[Workspace, GivenAwayMeanwhile]:
    handler = GivenAwayMeanwhile(reply)
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.profile("ada", ADA)
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
        assert ws.cli("ingest").exit_code == 0
        handler.ws = ws
        sent = ws.cli("send")  # ada's digest: at the server when her name is given to zed
        assert handler.moved and "kept apart as ada~removed-" in handler.moved[0], sent.output
        assert ws.cli("send").exit_code == 0  # zed's first digest
    return ws, handler


def rows(ws: Workspace, sql: str) -> list[tuple]:
    with Store(ws.config.database) as store:
        return sorted(store.db.execute(sql).fetchall())


def test_a_delivery_recorded_after_the_move_is_the_removed_readers(tmp_path, database):
    ws, handler = run(tmp_path, database, "250 ok")
    (aside,) = {u for (u,) in rows(ws, "SELECT user FROM outbox")} - {"ada"}
    assert rows(ws, "SELECT user, recipient FROM deliveries") == [
        ("ada", "zed@example.net"),
        (aside, "ada@example.org"),
    ]
    assert [u for (u,) in rows(ws, "SELECT user FROM sent_papers")] == ["ada", aside]
    assert [m.rcpt_tos for m in handler.messages] == [["ada@example.org"], ["zed@example.net"]]


def test_a_bounce_recorded_after_the_move_is_the_removed_readers(tmp_path, database):
    ws, handler = run(tmp_path, database, "550 5.1.1 <ada@example.org>: no such mailbox")
    (aside,) = {u for (u,) in rows(ws, "SELECT user FROM outbox")} - {"ada"}
    assert rows(ws, "SELECT user, recipient FROM suppressions") == [(aside, "ada@example.org")]
    assert [m.rcpt_tos for m in handler.messages] == [["zed@example.net"]]
    listed = ws.cli("suppressed").output
    assert f"{aside}" in listed and "kept apart" in listed and "\nada " not in listed


def test_two_workers_looking_at_once_move_the_removed_readers_records_once(tmp_path, database, smtp_server):
    """PostgreSQL: two workers' looks find ada's file back with zed's address at the same moment
    (both held on the name's row until both wait): one moves ada's records aside, the other
    finds it done; one archived identity, every record in it, none left under the name."""
    import threading

    import psycopg

    from digest.daemon.names import look

    if database == "digest.db":
        pytest.skip("SQLite: one worker at a time (the daemon's file lock), a look waits for the other whole")
    ws = Workspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", ADA)
    ws.profile("eve", ADA.replace("ada@", "eve@"))  # (a folder left with no profile is not looked at)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
    assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0
    (ws.root / "profiles" / "ada.yaml").unlink()
    assert ws.cli("send").exit_code == 0  # ada's file found gone
    ws.profile("ada", ZED)
    with Store(ws.config.database) as store:
        before = store.db.execute("SELECT COUNT(*) FROM sent_papers WHERE user = 'ada'").fetchone()[0]
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Store(ws.config.database) as store:
                look(ws.config, store, wall_clock())
        except BaseException as e:  # said by the test
            errors.append(e)

    with psycopg.connect(database) as holder, psycopg.connect(database, autocommit=True) as watch:
        holder.execute("SELECT 1 FROM reader_names WHERE \"user\" = 'ada' FOR UPDATE")
        workers = [threading.Thread(target=worker) for _ in range(2)]
        for t in workers:
            t.start()
        waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s"
        for _ in range(1500):  # both looks wait on the name's row (30 s at most, not a timing)
            if watch.execute(waiting, (holder.info.dbname,)).fetchone()[0] >= 2 or errors:
                break
            threading.Event().wait(0.02)
        holder.rollback()
    for t in workers:
        t.join(30)
    assert not errors and not any(t.is_alive() for t in workers)
    with Store(ws.config.database) as store:
        users = dict(store.db.execute("SELECT user, COUNT(*) FROM sent_papers GROUP BY user").fetchall())
        (aside,) = set(users) - {"eve"}
        assert aside.startswith("ada~removed-") and users[aside] == before
        left = store.db.execute("SELECT COUNT(*) FROM outbox WHERE user = 'ada'").fetchone()[0]
        assert left == 0


def test_two_readers_of_a_name_archived_for_one_second_are_kept_apart(tmp_path, database, smtp_server):
    """Two removals of one name within a second (their archived identities would be one): the
    second reader's records go to ``-2``, the first's stay as they were."""
    from digest.daemon.archive import move_aside
    from digest.deliver.suppressions import Suppressions

    ws = Workspace(tmp_path, smtp_server.port, database)
    at = "2026-03-14T07:00:00.250000+00:00"
    with Store(ws.config.database) as store:
        with store.transaction() as db:
            Suppressions(store).add("ada", "ada@example.org", "550 gone", wall_clock())
            first = move_aside(db, "ada", at, "zed@example.net")
        with store.transaction() as db:
            Suppressions(store).add("ada", "zed@example.net", "550 gone too", wall_clock())
            second = move_aside(db, "ada", at.replace(".25", ".75"), "yan@example.com")
        kept = sorted(store.db.execute("SELECT user, recipient FROM suppressions").fetchall())
    assert (first, second) == ("ada~removed-20260314T070000Z", "ada~removed-20260314T070000Z-2")
    assert kept == [(first, "ada@example.org"), (second, "zed@example.net")]
