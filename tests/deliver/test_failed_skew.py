"""A failed digest's papers carried to the reader's next digest when two workers' clocks differ
(PostgreSQL): a digest made by a worker whose clock is ahead, while another worker was still
sending the one that then failed, took none of its papers (a real daemon's passes, a real SMTP
server on loopback, the other worker's claim and its recorded refusal at its own clock)."""

from __future__ import annotations

import datetime as dt

from test_failed_behind import BOB, DAY, THU_0730, Deferring, received

from digest.daemon.service import Daemon
from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database


def test_a_digest_made_by_a_worker_ahead_while_the_failed_one_was_being_sent_leaves_its_papers_to_the_next(
    tmp_path,
):
    with postgres_database() as url, LocalSmtpServer(Deferring()) as server:  # (SQLite: one writer)
        ws = Workspace(tmp_path, server.port, url)
        with ws.config_path.open("a") as config:
            config.write("delivery:\n  retry_for_hours: 48\n")
        ws.profile("bob", BOB)
        for day, paper in ((0, "Thursday"), (1, "Friday"), (2, "Saturday")):
            listed = THU_0730 + day * DAY - dt.timedelta(hours=6)
            dump = make_dump(listed.strftime("%b %d"), [(f"Robotics {paper}", "Robots.")])
            ws.dump(f"{paper}.txt", dump, mtime=listed)
        now = [THU_0730 + dt.timedelta(minutes=1)]
        daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
        daemon.run_once()  # Thursday 07:31: Thursday's digest made; 451
        with Store(ws.config.database) as store:  # Friday 07:29:50: another worker sends its retry
            outbox = Outbox(store)
            (thursday,) = outbox.messages(QUEUED, "bob")
            other = THU_0730 + DAY - dt.timedelta(seconds=10)
            assert outbox.claim([thursday.id], "other-worker", other, dt.timedelta(minutes=2))
        now[0] = THU_0730 + DAY + dt.timedelta(seconds=70)  # 07:30:10, on a clock a minute ahead:
        daemon.run_once()  # Friday's digest made and sent (Thursday's: the other worker's)
        with Store(ws.config.database) as store:  # 07:30:15 on the other's clock: a 550
            Outbox(store).mark_failed(thursday, "550 5.2.2 mailbox full", other + dt.timedelta(seconds=25))
        now[0] = THU_0730 + 2 * DAY + dt.timedelta(minutes=1)
        daemon.run_once()  # Saturday 07:31
        now[0] = THU_0730 + 3 * DAY + dt.timedelta(minutes=1)
        daemon.run_once()
        assert received(server) == [["Friday"], ["Saturday", "Thursday"]]
