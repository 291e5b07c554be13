"""A worker whose clock is behind the others' (5 min: a machine whose NTP stopped) finds a reader
not due yet whom an in-step worker found due and could not serve; one ahead finds their grace
over before the others do. Their rows stay while the reader is due on the database server's clock."""

from __future__ import annotations

import datetime as dt
import logging

from helpers.failing_template import failures_listed, two_machines

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
        in_step_then_off(db1, app2, b, later, caplog)  # bob and cy not due yet on app2's clock


def test_a_worker_whose_clock_is_ahead_leaves_the_failure_listed_while_its_grace_lasts(
    tmp_path, smtp_server, caplog
):
    """The other way: a worker 5 min ahead finds bob's grace over (10 min) 5 min before the
    in-step worker, which still tries him; its pass dropped bob's row, so `digest status` did not
    list him between, and the in-step worker's next pass said the failure at ERROR anew. Whether
    the grace is over is judged on the database server's clock, as the workers table is."""
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        for ws in (a, b):
            ws.config_path.write_text(ws.config_path.read_text() + "scheduler:\n  grace_minutes: 10\n")
        at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=7)).strftime("%H:%M")  # 7-8 min late
        for user in ("ada", "bob", "cy"):
            path = a.root / "profiles" / f"{user}.yaml"
            path.write_text(path.read_text().rsplit("send_at", 1)[0] + f"send_at: '{at}'\ntimezone: UTC\n")
        later, ahead = [dt.timedelta(0)], dt.timedelta(minutes=5)
        db1 = Daemon(a.config, lambda: dt.datetime.now(dt.UTC) + later[0])
        app2 = Daemon(
            b.config,
            lambda: dt.datetime.now(dt.UTC) + ahead + later[0],
            wall=lambda: dt.datetime.now(dt.UTC) + ahead,
        )
        in_step_then_off(db1, app2, b, later, caplog)  # bob and cy 12-13 min late on app2's clock


def in_step_then_off(db1: Daemon, app2: Daemon, b, later: list[dt.timedelta], caplog) -> None:
    """db1's pass (in step) fails bob and cy; app2's (its clock off) finds them not due; db1's next
    pass fails them again: listed all along, said at ERROR once."""
    caplog.set_level(logging.DEBUG, logger="digest")
    db1.run_once()
    assert failures_listed(b) == ["bob", "cy"]
    later[0] += dt.timedelta(seconds=30)
    app2.run_once()
    assert failures_listed(b) == ["bob", "cy"]  # was: none
    caplog.clear()
    later[0] += dt.timedelta(seconds=30)
    db1.run_once()
    said = [r.levelname for r in caplog.records if r.getMessage().startswith("digest for bob")]
    assert said == ["DEBUG"]  # was: ERROR, its row dropped by app2's pass
