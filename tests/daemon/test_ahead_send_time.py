"""A worker whose clock is ahead of the database server's makes its readers' digests when its own
clock reaches their send time (README, *Several workers*: "5 min early"; the leases and the due
times are the server's clock's, the send time is the worker's). What is listed in those minutes is
not in that digest, nor lost: a digest's papers are those stored after the previous one's
(digest.select.digests.window), not those of a time, so they come in the reader's next digest,
once, and the worker in step makes no second digest that day."""

from __future__ import annotations

import datetime as dt
import logging
import re

from digest.daemon.service import Daemon
from digest.db import wall_clock

from conftest import Workspace, make_dump, postgres_database

DAY = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
SKEW = dt.timedelta(minutes=5)


def at(hours: int, minutes: int, days: int = 0) -> dt.datetime:
    return DAY + dt.timedelta(days=days, hours=hours, minutes=minutes)


def test_a_paper_listed_after_a_worker_ahead_made_the_digest_comes_the_next_day_once(
    tmp_path, smtp_server, caplog
):
    caplog.set_level(logging.WARNING)
    with postgres_database() as url:
        ws = Workspace(tmp_path, smtp_server.port, database=url)
        ws.profile("ada", "email: ada@example.org\ninterests: [spiking]\ntimezone: UTC\nsend_at: '07:00'\n")
        ws.dump("d1.txt", make_dump("Mar 16", [("Spiking paper one", "About spiking.")]), mtime=at(5, 0))
        # 06:56 on the server's clock, 07:01 on its own: it makes ada's digest of Mar 16 now
        Daemon(ws.config, lambda: at(6, 56) + SKEW, wall=lambda: wall_clock() + SKEW).run_once()
        assert "300 s ahead of the database server's" in caplog.text
        ws.dump("d2.txt", make_dump("Mar 16", [("Spiking paper two", "About spiking.")]), mtime=at(6, 58))
        Daemon(ws.config, lambda: at(7, 1)).run_once()  # in step: takes d2 in, no second digest
        assert len(smtp_server.handler.messages) == 1
        Daemon(ws.config, lambda: at(7, 1, days=1)).run_once()  # the next day's
    got = []
    for mail in smtp_server.handler.messages:
        text = mail.message.get_body(("plain",)).get_content()
        got.append(re.findall(r"(?m)^\d+\. (.+?)\r?$", text))
    assert got == [["Spiking paper one"], ["Spiking paper two"]]
