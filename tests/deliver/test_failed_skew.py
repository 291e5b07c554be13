"""A failed digest's papers carried to the reader's next digest when two workers' clocks differ
(PostgreSQL): a digest made by a worker whose clock is ahead, while another worker was still
sending the one that then failed, took none of its papers (a real daemon's passes, a real SMTP
server on loopback, the other worker's claim and its recorded refusal at its own clock)."""

from __future__ import annotations

import datetime as dt

from helpers.bobs_week import BOB, DAY, THU_0730, Deferring, received

from digest.daemon.sendnow import send_now
from digest.daemon.service import Daemon
from digest.deliver.outbox import QUEUED, Outbox
from digest.deliver.transports import SmtpSender
from digest.demo.smtp_server import LocalSmtpServer
from digest.ingest.dumps import ingest
from digest.profiles.load import load_profiles
from digest.select.digests import digest_of_day
from digest.store import Store

from conftest import Workspace, make_dump, postgres_database


def friday_made_ahead(ws: Workspace, ahead: dt.timedelta) -> tuple[Daemon, list[dt.datetime]]:
    """A real daemon's passes at a clock the test sets (returned: set ``now[0]``): Thursday's
    digest made at 07:31 and deferred (451); on Friday another worker takes its retry at 07:29:50
    on its clock, the daemon, on a clock ``ahead``, makes and sends Friday's at 07:30:10, and the
    other worker then records a 550 at 07:30:15 on its own (what its delivery does)."""
    now = [THU_0730 + dt.timedelta(minutes=1)]
    daemon = Daemon(ws.config, lambda: now[0], sender_factory=lambda config: SmtpSender(config.smtp))
    daemon.run_once()  # Thursday 07:31: Thursday's digest made; 451
    with Store(ws.config.database) as store:  # Friday 07:29:50: another worker sends its retry
        outbox = Outbox(store)
        (thursday,) = outbox.messages(QUEUED, "bob")
        other = THU_0730 + DAY - dt.timedelta(seconds=10)
        assert outbox.claim([thursday.id], "other-worker", other, dt.timedelta(minutes=2))
    now[0] = THU_0730 + DAY + dt.timedelta(seconds=10) + ahead
    daemon.run_once()  # Friday's digest made and sent (Thursday's: the other worker's)
    with Store(ws.config.database) as store:  # 07:30:15 on the other's clock: a 550
        Outbox(store).mark_failed(thursday, "550 5.2.2 mailbox full", other + dt.timedelta(seconds=25))
    return daemon, now


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
        daemon, now = friday_made_ahead(ws, dt.timedelta(minutes=1))
        now[0] = THU_0730 + 2 * DAY + dt.timedelta(minutes=1)
        daemon.run_once()  # Saturday 07:31
        now[0] = THU_0730 + 3 * DAY + dt.timedelta(minutes=1)
        daemon.run_once()
        assert received(server) == [["Friday"], ["Saturday", "Thursday"]]


def test_a_digest_made_after_the_failure_on_a_clock_in_step_takes_its_papers_once(tmp_path):
    """Friday's digest made on a clock an hour ahead while the other worker still sent Thursday's,
    refused then (07:30:15 on its clock); `digest send --force` at 07:50 on a clock in step, after
    the refusal, is given Thursday's papers beside the two new ones and holds the new ones (two at
    the most): Saturday's is Saturday's paper alone, Thursday's are not offered again."""
    with postgres_database() as url, LocalSmtpServer(Deferring()) as server:
        ws = Workspace(tmp_path, server.port, url)
        with ws.config_path.open("a") as config:
            config.write("delivery:\n  retry_for_hours: 48\n")
        ws.profile("bob", BOB + "max_papers: 2\n")
        days = {"Thursday": ["Robotics Thursday", "Robotics Thursday too"], "Friday": ["Robotics Friday"]}
        days["Saturday"] = ["Robotics Saturday"]
        for day, (name, titles) in enumerate(days.items()):
            listed = THU_0730 + day * DAY - dt.timedelta(hours=6)
            dump = make_dump(listed.strftime("%b %d"), [(title, "Robots.") for title in titles])
            ws.dump(f"{name}.txt", dump, mtime=listed)
        daemon, now = friday_made_ahead(ws, dt.timedelta(hours=1))
        forced = THU_0730 + DAY + dt.timedelta(minutes=20)  # 07:50, on a clock in step
        extra = [("Robotics Extra robotics", "Robotics."), ("Robotics Again robotics", "Robotics.")]
        path = ws.dump("extra.txt", make_dump("Mar 20", extra), "dumps", forced - dt.timedelta(minutes=10))
        with Store(ws.config.database) as store:  # `digest ingest`, then `digest send --force`
            ingest(store, [path], forced - dt.timedelta(minutes=5))
            sender = SmtpSender(ws.config.smtp)
            send_now(ws.config, store, load_profiles(ws.config), sender, forced, force=True)
        now[0] = THU_0730 + 2 * DAY + dt.timedelta(minutes=1)
        daemon.run_once()  # Saturday 07:31
        assert received(server) == [["Friday"], ["Again", "Extra"], ["Saturday"]]
        with Store(ws.config.database) as store:  # `preview --date`: as sent
            (bob,) = load_profiles(ws.config)
            previews = [digest_of_day(store, bob, dt.date(2026, 3, day)) for day in (20, 21)]
        assert [[m.paper.title for m in p.matches] for p in previews] == [
            ["Robotics Friday"],  # Friday's first (stamped 08:30:10; the forced one 07:50)
            ["Robotics Saturday"],
        ]
