"""On PostgreSQL the readers whose digest could not be made are kept in the database, so that
`digest status` on any machine (its own config folder) lists every worker's: they were a file in
the failing worker's config folder, and status on another machine did not list them. A reader is
listed until a pass of any worker serves them, or begins after the failure and finds them no
longer due (not one that finds them due and held by another worker, in its pass)."""

from __future__ import annotations

import datetime as dt

from helpers.failing_template import failures_listed, trap, two_machines

from digest.daemon.claims import claim_readers
from digest.daemon.service import Daemon
from digest.db import wall_clock
from digest.files import write_atomic
from digest.store import Store

from conftest import Workspace, postgres_database


def failed_then_cy_paused(a: Workspace, b: Workspace, now: list[dt.datetime]) -> None:
    """db1's worker's pass, which cannot make bob's and cy's digests; a minute on, cy paused."""
    Daemon(a.config, lambda: now[0]).run_once()
    assert failures_listed(a) == ["bob", "cy"]
    assert failures_listed(b) == ["bob", "cy"]  # was: none, on app2
    now[0] += dt.timedelta(minutes=1)
    cy = a.root / "profiles" / "cy.yaml"
    write_atomic(cy, cy.read_text() + "paused: true\n", whole=True)  # saved whole, as `profile` does


def test_status_on_another_machine_lists_the_readers_a_worker_could_not_serve(tmp_path, smtp_server):
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        now = [dt.datetime.now(dt.UTC)]
        failed_then_cy_paused(a, b, now)
        Daemon(b.config, lambda: now[0]).run_once()  # app2's: bob failed again, cy no longer tried
        assert failures_listed(a) == ["bob"] and failures_listed(b) == ["bob"]

        trap(a, None)  # fixed: app2's next pass serves bob
        now[0] += dt.timedelta(minutes=1)
        Daemon(b.config, lambda: now[0]).run_once()
        assert failures_listed(a) == [] and failures_listed(b) == []
        assert not list(b.config_path.parent.glob("*.readers")) and not list(a.root.glob("*.readers"))


def test_a_reader_another_worker_holds_mid_pass_stays_listed(tmp_path, smtp_server):
    # Before: app2's pass dropped every row written before it began of the readers it did not
    # try, so bob, whom db1's worker failed and is trying again in its next pass (it holds him:
    # app2 finds him due and leaves him to it), was not listed until that pass ended
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        now = [dt.datetime.now(dt.UTC)]
        failed_then_cy_paused(a, b, now)  # no longer due: app2 drops cy's row
        with Store(url) as db1:  # db1's worker in its next pass, on its own connection, holds bob
            lease = dt.timedelta(seconds=a.config.delivery.lease_seconds)
            assert claim_readers(db1, ["bob"], "db1:4242:next-pass", wall_clock(), lease) == ["bob"]
            Daemon(b.config, lambda: now[0]).run_once()  # app2: bob due, held by db1's worker
        assert failures_listed(a) == ["bob"] and failures_listed(b) == ["bob"]  # was: none


def test_status_heads_them_as_the_workers_latest_passes(tmp_path, smtp_server):
    # Before: "(last pass)", as on SQLite, where the one daemon's last pass wrote them; here a row
    # is the latest pass's that tried that reader, whichever worker's (bob's db1's, cy's app2's)
    with postgres_database() as url:
        a, b = two_machines(tmp_path, smtp_server.port, url)
        now = [dt.datetime.now(dt.UTC)]
        Daemon(a.config, lambda: now[0]).run_once()
        text = b.cli("status").output
        assert (
            "Readers whose digest could not be made (each as the latest pass to try them found it, "
            "any worker's):\n  bob: cannot build the message" in text
        )
        assert "(last pass)" not in text
