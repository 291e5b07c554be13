"""`preview --date` of the day a reader's first digest was refused for good is what their
next digest is, or, a digest made again that day (`digest send --force`), that digest as sent:
its window starts where the refused one ended, as the send's does (a real daemon's pass at a set
clock, a real SMTP server on loopback refusing with a 550, then taking mail; SQLite and
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers.bobs_week import Refusing

from digest.compose.preview import preview
from digest.daemon.sendnow import send_now
from digest.daemon.service import Daemon
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.profiles.load import load_profiles
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends

THU_0730 = dt.datetime(2026, 3, 19, 7, 30, tzinfo=dt.UTC)
BOB = 'name: Bob\nemail: bob@example.org\ninterests:\n  robotics: 2\nsend_at: "07:30"\n'
THURSDAY = dt.date(2026, 3, 19)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def server():
    with LocalSmtpServer(Refusing()) as server:
        yield server


def thursday(ws: Workspace, server: LocalSmtpServer) -> Daemon:
    """Bob's first digest, Thursday 07:31: Wednesday's listing (his latest), refused for good;
    then, by 11:30, a late listing of Wednesday's (another dump) and Thursday's in the inbox."""
    with ws.config_path.open("a") as config:
        config.write("delivery:\n  max_per_second: 1000\n")
    ws.profile("bob", BOB)
    ws.dump("wed.txt", make_dump("Mar 18", [("Robotics Wednesday", "Robots.")]), mtime=THU_0730 - 6 * HOUR)
    now = [THU_0730 + dt.timedelta(minutes=1)]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
    daemon.run_once()
    assert server.handler.messages == []
    ws.dump("late.txt", make_dump("Mar 18", [("Robotics Late", "Robots, late.")]), mtime=THU_0730 + 3 * HOUR)
    ws.dump("thu.txt", make_dump("Mar 19", [("Robotics Thursday", "Robots.")]), mtime=THU_0730 + 4 * HOUR)
    now[0] = THU_0730 + 4.5 * HOUR
    daemon.run_once()  # takes them in; Thursday's digest was made (refused): nothing sent
    return daemon


def papers(text: str) -> list[str]:
    return sorted(set(re.findall(r"Robotics (\w+)", text)))


def test_the_day_a_first_digest_was_refused_shows_the_next_digest(tmp_path, server, database):
    ws = Workspace(tmp_path, server.port, database)
    thursday(ws, server)
    noon = THU_0730 + 5 * HOUR
    with Store(ws.config.database) as store:
        nxt = preview(ws.config, "bob", noon, store=store).rendered.text
        day = preview(ws.config, "bob", noon, up_to=THURSDAY, store=store).rendered.text
    assert papers(nxt) == ["Late", "Thursday", "Wednesday"]
    assert papers(day) == papers(nxt)


def test_a_digest_sent_again_the_day_the_first_was_refused_is_shown_as_sent(tmp_path, server, database):
    ws = Workspace(tmp_path, server.port, database)
    thursday(ws, server)
    server.handler.reply = None
    noon = THU_0730 + 5 * HOUR
    with Store(ws.config.database) as store:  # `digest send --force` at noon
        send_now(ws.config, store, load_profiles(ws.config), SmtpSender(ws.config.smtp), noon, force=True)
        day = preview(ws.config, "bob", noon + HOUR, up_to=THURSDAY, store=store).rendered.text
    (sent,) = server.handler.messages
    assert papers(sent.message.get_body(("plain",)).get_content()) == ["Late", "Thursday", "Wednesday"]
    assert papers(day) == ["Late", "Thursday", "Wednesday"]
