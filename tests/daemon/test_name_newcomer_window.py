"""A digest planned for a reader whose name is given to someone else before it is stored: `digest
send` read ada's profile, then (while the server takes abe's message, before ada's is stored) ada's
file is removed and `profile new ada` made for zed@example.net (`send --force`: ada had a digest
already, so her history is moved aside). ada's digest is the removed
reader's: stored for nobody, sent to nobody, her period not marked under the name, so zed, the
name's new reader, gets his own first digest from the next send. A real SMTP server that runs
`profile new`'s steps while it holds abe's message, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading

import psycopg
import pytest

from digest.daemon.names import look, name_taken_over, start_afresh
from digest.daemon.tick import run_once
from digest.db import wall_clock
from digest.deliver.transports import SmtpSender
from digest.deliver.wanted import given_away
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.profiles.load import load_profile, load_profiles
from digest.store import Store, iso

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [robotics]\n"
ZED = "email: zed@example.net\ninterests: [robotics]\n"


class GivenAwayBeforeStored(Mailbox):
    """While it holds a message to abe@example.org (once ``ws`` is set), ada's file is removed and `profile
    new ada` made for zed@example.net (its steps: the removal noted, the file, the move aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.ws: Workspace | None = None
        self.moved: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos == ["abe@example.org"] and self.ws is not None:
            ws, self.ws = self.ws, None
            (ws.root / "profiles" / "ada.yaml").unlink()
            name_taken_over(ws.config, "ada", wall_clock())
            ws.profile("ada", ZED)
            self.moved.append(start_afresh(ws.config, load_profile(ws.config, "ada"), wall_clock()) or "")
        return await super().handle_DATA(server, session, envelope)


def sent_once(ws: Workspace) -> Workspace:
    """abe and ada each sent a digest (ada a reader: her removal is written down), then a new
    paper for both, which `send --force` sends."""
    ws.profile("abe", ADA.replace("ada@", "abe@"))
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
    assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0
    ws.dump("day2.txt", make_dump("Mar 15", [("Robotics Tomorrow", "Robots that walk.")]))
    assert ws.cli("ingest").exit_code == 0
    return ws


def told(output: str, user: str) -> str:
    """`digest send`'s line for ``user`` (its columns one space apart); "" if none."""
    return next((" ".join(line.split()) for line in output.splitlines() if line.startswith(f"{user} ")), "")


def dropped_said(ws: Workspace) -> list[str]:
    """`digest status`'s lines of the digests sent to nobody (times and days as <time>, <day>)."""
    status = ws.cli("status")
    assert status.exit_code == 0, status.output
    title = "Digests sent to nobody (planned for a reader whose profile file was then removed):"
    _, found, after = status.output.partition(f"\n{title}\n")
    lines = after.split("\n\n")[0].splitlines() if found else []
    lines = [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time>", line.strip()) for line in lines]
    return [re.sub(r"digest for \d{4}-\d\d-\d\d", "digest for <day>", line) for line in lines]


def test_a_digest_planned_before_the_name_went_to_someone_else_goes_to_nobody(tmp_path, database, caplog):
    handler = GivenAwayBeforeStored()
    with LocalSmtpServer(handler) as server:
        ws = sent_once(Workspace(tmp_path, server.port, database))
        handler.ws = ws
        with caplog.at_level(logging.WARNING):
            again = ws.cli("send", "--force")  # ada's digest planned, her name given to zed, then stored
        assert again.exit_code == 0, again.output
        assert "kept apart as ada~removed-" in handler.moved[0]
        assert told(again.output, "ada") == (
            "ada ada@example.org 1 paper not sent: ada's profile file was removed after this digest was "
            "planned, and the name given to zed@example.net (a removed reader's digest: sent to nobody)"
        )
        said = caplog.text
        first = ws.cli("send")  # zed's first digest, as the name's new reader
        assert first.exit_code == 0, first.output
    sent = [m.rcpt_tos[0] for m in handler.messages]
    assert sent == ["abe@example.org", "ada@example.org", "abe@example.org", "zed@example.net"]
    assert [line.split(":")[0] for line in dropped_said(ws)] == [
        "ada (file found gone <time>)"
    ]  # zed's own sent
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user, recipient FROM outbox ORDER BY id").fetchall()
    aside = handler.moved[0].split("kept apart as ")[1].split(";")[0]
    assert [tuple(r) for r in rows] == [
        ("abe", "abe@example.org"),
        (aside, "ada@example.org"),
        ("abe", "abe@example.org"),
        ("ada", "zed@example.net"),
    ]
    assert "digest for ada (" in said and "found gone after it was planned" in said


def test_a_first_digest_planned_before_the_name_went_to_someone_else_goes_to_nobody(
    tmp_path, database, caplog
):
    """ada never had a digest (her file read by a pass's look only): `profile new ada` writes her
    removal down all the same, so her first digest, planned before it, is stored for nobody, and
    zed's own first digest is not held back by it ('already attempted today')."""
    handler = GivenAwayBeforeStored()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.profile("abe", ADA.replace("ada@", "abe@"))
        ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
        assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0  # abe's alone
        ws.profile("ada", ADA)  # a new reader, her first digest planned by the next send
        ws.dump("day2.txt", make_dump("Mar 15", [("Robotics Tomorrow", "Robots that walk.")]))
        assert ws.cli("ingest").exit_code == 0
        handler.ws = ws
        with caplog.at_level(logging.WARNING):
            again = ws.cli("send", "--force")  # ada's first digest planned, her name given away, stored
        assert again.exit_code == 0, again.output
        assert told(again.output, "ada").startswith("ada ada@example.org 1 paper not sent: ada's profile")
        first = ws.cli("send")  # zed's first digest, as the name's new reader
        assert first.exit_code == 0, first.output
    sent = [m.rcpt_tos[0] for m in handler.messages]
    assert sent == ["abe@example.org", "abe@example.org", "zed@example.net"]
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user, recipient, status FROM outbox ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [
        ("abe", "abe@example.org", "sent"),
        ("abe", "abe@example.org", "sent"),
        ("ada", "zed@example.net", "sent"),
    ]
    assert "digest for ada (" in caplog.text and "found gone after it was planned" in caplog.text


class GivenAwayWhenAsked(threading.Event):
    """The pass's ``stop``, never set: the first time the pass asks it (after the profiles were
    read, before any digest is stored), ada's file is removed and `profile new ada` made for zed."""

    def __init__(self, ws: Workspace) -> None:
        super().__init__()
        self.ws: Workspace | None = ws
        self.moved: list[str] = []

    def is_set(self) -> bool:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            (ws.root / "profiles" / "ada.yaml").unlink()
            name_taken_over(ws.config, "ada", wall_clock())
            ws.profile("ada", ZED + due_now())
            self.moved.append(start_afresh(ws.config, load_profile(ws.config, "ada"), wall_clock()) or "")
        return super().is_set()


def due_now() -> str:
    return f'send_at: "{wall_clock() - dt.timedelta(minutes=1):%H:%M}"\n'  # (UTC)


def test_the_daemons_digest_planned_before_the_name_went_to_someone_else_goes_to_nobody(
    tmp_path, database, smtp_server, monkeypatch, caplog
):
    ws = Workspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", ADA + due_now())
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
    assert ws.cli("ingest").exit_code == 0
    yesterday = wall_clock() - dt.timedelta(days=1)
    monkeypatch.setattr("digest.cli.daily.now_utc", lambda: yesterday)
    assert ws.cli("send").exit_code == 0  # ada a reader: yesterday's digest
    monkeypatch.undo()
    ws.dump("day2.txt", make_dump("Mar 15", [("Robotics Tomorrow", "Robots that walk.")]))
    assert ws.cli("ingest").exit_code == 0

    def a_pass(stop: threading.Event | None = None) -> None:
        config = ws.config
        with Store(config.database) as store, SmtpSender(config.smtp) as sender:
            run_once(config, store, load_profiles(config), sender, wall_clock(), stop=stop)

    stop = GivenAwayWhenAsked(ws)
    with caplog.at_level(logging.WARNING):
        a_pass(stop)  # ada's digest planned, her name given to zed, then stored
    assert "kept apart as ada~removed-" in stop.moved[0]
    said = caplog.text
    assert dropped_said(ws) == [
        "ada (file found gone <time>): digest for <day> to ada@example.org (1 paper) not sent: "
        "the name has no file or another reader's now"
    ]
    a_pass()  # zed's first digest, as the name's new reader
    assert [m.rcpt_tos[0] for m in smtp_server.messages] == ["ada@example.org", "zed@example.net"]
    aside = stop.moved[0].split("kept apart as ")[1].split(";")[0]
    with Store(ws.config.database) as store:
        rows = store.db.execute("SELECT user, recipient FROM outbox ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(aside, "ada@example.org"), ("ada", "zed@example.net")]
    assert "digest for ada (" in said and "found gone after it was planned" in said


def lock_waited_for(database: str) -> bool:
    """Until a session of ``database`` (PostgreSQL) waits for a lock (30 s at most: a hang)."""
    waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s"
    with psycopg.connect(database, autocommit=True) as watch:
        for _ in range(1500):
            if watch.execute(waiting, (watch.info.dbname,)).fetchone()[0] >= 1:
                return True
            threading.Event().wait(0.02)
    return False


class RemovalHeld(Mailbox):
    """PostgreSQL: while it holds a message to abe@example.org (once ``ws`` is set), ada's file
    is removed and a look's writing of it (reader_names) begun in a transaction left open until
    another session waits for a lock; then committed."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self.dsn = dsn
        self.ws: Workspace | None = None
        self.committed = threading.Event()
        self.waited: list[bool] = []

    async def handle_DATA(self, server, session, envelope):
        if envelope.rcpt_tos == ["abe@example.org"] and self.ws is not None:
            ws, self.ws = self.ws, None
            (ws.root / "profiles" / "ada.yaml").unlink()
            holder = psycopg.connect(ws.config.database)
            holder.execute(
                "UPDATE reader_names SET live = 0, gone_at = %s WHERE \"user\" = 'ada'", (iso(wall_clock()),)
            )
            threading.Thread(target=self.commit_once_waited_for, args=(holder,)).start()
        return await super().handle_DATA(server, session, envelope)

    def commit_once_waited_for(self, holder) -> None:
        if lock_waited_for(self.dsn):  # the pass's storing waits on ada's row
            self.waited.append(True)
        holder.commit()
        holder.close()
        self.committed.set()


def test_a_removal_written_while_the_digest_is_stored_is_waited_for(tmp_path, database):
    """PostgreSQL: a look writing ada's removal (her file gone) while `send` stores her digest,
    neither committed: the storing waits for the look's row (FOR SHARE), then sees the removal
    and stores nothing; ada's old address gets no digest after her file went."""
    if database == "digest.db":
        pytest.skip("SQLite: one writer at a time, the storing waits for the look's transaction whole")
    handler = RemovalHeld(database)
    with LocalSmtpServer(handler) as server:
        handler.ws = sent_once(Workspace(tmp_path, server.port, database))
        assert handler.ws.cli("send", "--force").exit_code == 0
        assert handler.committed.wait(60)
    assert handler.waited == [True]  # the storing waited for the look
    sent = [m.rcpt_tos[0] for m in handler.messages]
    assert sent == ["abe@example.org", "ada@example.org", "abe@example.org"]


@pytest.mark.parametrize("by", ["a pass's look", "profile new"])
def test_a_look_meeting_a_digest_being_stored_is_tried_again(tmp_path, database, smtp_server, by, caplog):
    """PostgreSQL: a storing of ada's digest that records a message's result first (as `send` did
    before it took the names first: tests/deliver/test_names_first.py), holding that message's row
    (bob's, whose name a pass's look gives to yan with ada's to zed; or ada's own earlier one, for
    `profile new ada`); the look has written ada's name back and waits
    for that row to move it aside; the storing then waits for ada's name (given_away's FOR SHARE): a
    deadlock, which PostgreSQL ends by failing the look. The look is tried again, as the storing
    is: the removed readers' records are moved aside, the command or pass does not fail, and each
    move is said once, by the try that committed (the look's ended try had moved ada's, undone)."""
    if database == "digest.db":
        pytest.skip("SQLite: one writer at a time, the look waits for the storing's transaction whole")
    ws = Workspace(tmp_path, smtp_server.port, database)
    ws.profile("ada", ADA)
    ws.profile("bob", ADA.replace("ada@", "bob@"))
    ws.profile("abe", ADA.replace("ada@", "abe@"))
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots that grasp.")]))
    assert ws.cli("ingest").exit_code == 0 and ws.cli("send").exit_code == 0
    planned = wall_clock()  # ada's digest planned, then her name (and bob's) given to others
    names = ["ada", "bob"] if by == "a pass's look" else ["ada"]
    for name in names:
        (ws.root / "profiles" / f"{name}.yaml").unlink()
    with Store(ws.config.database) as store:
        assert look(ws.config, store, wall_clock())
    ws.profile("ada", ZED)
    if "bob" in names:
        ws.profile("bob", ADA.replace("ada@", "yan@"))
    recorded = names[-1]  # the message whose result the storing records
    errors: list[BaseException] = []

    def move(other: Store) -> None:
        try:
            if by == "a pass's look":
                look(ws.config, other, wall_clock())
            else:
                start_afresh(ws.config, load_profile(ws.config, "ada"), wall_clock())
        except BaseException as e:  # noqa: BLE001 - said by the test
            errors.append(e)

    caplog.set_level(logging.INFO, logger="digest.daemon.names")
    with Store(ws.config.database) as storing, Store(ws.config.database) as other:
        with storing.transaction() as db:
            db.execute("UPDATE outbox SET claimed_until = claimed_until WHERE user = ?", (recorded,))
            moving = threading.Thread(target=move, args=(other,))
            moving.start()
            assert lock_waited_for(database)  # the look waits for the recorded message's row
            assert given_away(storing, ws.config, [("ada", "ada@example.org")], planned) == {"ada"}
        moving.join(60)
    assert errors == []
    with Store(ws.config.database) as store:
        users = [u for (u,) in store.db.execute("SELECT user FROM outbox").fetchall()]
    assert sorted(u.split("~removed-")[0] for u in users if "~removed-" in u) == names  # moved aside
    said = [r.getMessage() for r in caplog.records]
    kept = [line.split("'")[0] for line in said if "records before its file went are kept as" in line]
    assert sorted(kept) == names  # each said once, as committed
