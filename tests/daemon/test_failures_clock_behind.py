"""A worker whose clock is behind the others' (5 min: a machine whose NTP stopped) finds a reader
not due yet whom an in-step worker found due and could not serve."""

from __future__ import annotations

import datetime as dt
import logging

from test_failures_every_machine import failures_listed, two_machines

from digest.daemon.service import Daemon

from conftest import postgres_database


def test_a_worker_whose_clock_is_behind_leaves_the_failure_listed(tmp_path, smtp_server, caplog):
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        for user in ("ada", "bob", "cy"):  # due 2 min ago: not yet, on a clock 5 min behind
            path = a.root / "profiles" / f"{user}.yaml"
            at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)).strftime("%H:%M")
            path.write_text(path.read_text().rsplit("send_at", 1)[0] + f"send_at: '{at}'\ntimezone: UTC\n")
        later, behind = [dt.timedelta(0)], dt.timedelta(minutes=5)
        db1 = Daemon(a.config, lambda: dt.datetime.now(dt.UTC) + later[0])
        app2 = Daemon(
            b.config,
            lambda: dt.datetime.now(dt.UTC) - behind + later[0],
            wall=lambda: dt.datetime.now(dt.UTC) - behind,
        )
        caplog.set_level(logging.DEBUG, logger="digest")
        db1.run_once()
        assert failures_listed(b) == ["bob", "cy"]
        later[0] += dt.timedelta(seconds=30)
        app2.run_once()  # bob and cy not due yet on its clock
        assert failures_listed(b) == ["bob", "cy"]  # was: none
        caplog.clear()
        later[0] += dt.timedelta(seconds=30)
        db1.run_once()
        said = [r.levelname for r in caplog.records if r.getMessage().startswith("digest for bob")]
        assert said == ["DEBUG"]  # was: ERROR, its row dropped by app2's pass
