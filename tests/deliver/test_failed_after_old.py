"""A reader of a database from before the outbox (their digests delivered then: deliveries, no
outbox rows), whose digests since have only failed, had their last digest kept in that old
delivery: their next digest's window starts where it ended, as `preview --date` of a day
after it has it, not where their first failed digest ended (a real daemon's pass at a set
clock, a real SMTP server on loopback refusing with a 550, then taking mail; SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.bobs_week import Refusing

from digest.compose.preview import preview
from digest.daemon.service import Daemon
from digest.deliver.outbox import FAILED, Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.ingest.dumps import ingest_inbox
from digest.store import Store, iso

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

MON_0730 = dt.datetime(2026, 3, 16, 7, 30, tzinfo=dt.UTC)
DAY, HOUR, MINUTE = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1)
BOB = 'name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\nsend_at: "07:30"\n'


@pytest.fixture
def server():
    with LocalSmtpServer(Refusing()) as server:
        yield server


def papers(text: str) -> list[str]:
    return sorted(set(re.findall(r"Robotics (\w+)", text)))


def test_a_reader_whose_digests_failed_since_an_old_delivery_gets_what_preview_date_shows(
    tmp_path, server, database
):
    ws = Workspace(tmp_path, server.port, database)
    with ws.config_path.open("a") as config:
        config.write("delivery:\n  max_per_second: 1000\n")
    ws.profile("bob", BOB + "max_papers: 1\n")
    ws.dump("mon.txt", make_dump("Mar 16", [("Robotics Monday", "Robots.")]), mtime=MON_0730 - 6 * HOUR)
    with Store(ws.config.database) as store:  # Monday's digest, delivered by the release before the outbox
        ingest_inbox(store, ws.config.inbox, MON_0730 - HOUR, dt.timedelta(seconds=0))
        with store.transaction() as db:
            (monday,) = db.execute("SELECT id FROM papers").fetchall()
            delivery = db.execute(
                "INSERT INTO deliveries (user, message_id, recipient, papers, sent_at) VALUES (?,?,?,?,?)",
                ("bob", "<bob-1@example.org>", "bob@example.org", 1, iso(MON_0730)),
            ).lastrowid
            db.execute(
                "INSERT INTO sent_papers (user, paper_id, delivery_id) VALUES (?,?,?)",
                ("bob", monday[0], delivery),
            )
    tuesday = [("Robotics Tuesday", "Robots."), ("Robotics Second", "Robots too.")]
    ws.dump("tue.txt", make_dump("Mar 17", tuesday), mtime=MON_0730 + DAY - 6 * HOUR)
    now = [MON_0730 + DAY + MINUTE]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
    daemon.run_once()  # Tuesday's digest (one of Tuesday's two papers: max_papers 1): refused, 550
    ws.profile("bob", BOB)  # then ten papers a digest
    wednesday = dt.date(2026, 3, 18)
    with Store(ws.config.database) as store:
        assert [e.status for e in Outbox(store).entries(user="bob")] == [FAILED]
        later = MON_0730 + DAY + 4 * HOUR
        day = preview(ws.config, "bob", later, up_to=wednesday, store=store).rendered.text
        nxt = preview(ws.config, "bob", later, store=store).rendered.text
    assert papers(day) == ["Second", "Tuesday"]  # since Monday's delivery, Tuesday's refused
    assert papers(nxt) == papers(day)
    server.handler.reply = None
    now[0] = MON_0730 + 2 * DAY + MINUTE
    daemon.run_once()  # Wednesday 07:31 (no listing of Wednesday's): sent
    (sent,) = server.handler.messages
    assert papers(sent.message.get_body(("plain",)).get_content()) == ["Second", "Tuesday"]
