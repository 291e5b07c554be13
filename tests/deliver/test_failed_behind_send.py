"""`digest send` storing a reader's next digest while another worker records the failure of
their digest still waiting for a retry, the reverse of test_failed_meanwhile's order: the send's
storing transaction holds the reader's name (not shared, digest.deliver.wanted.hold_names) and
the failure's transaction (the name held shared, as a delivery pass's is) waits behind it; the
failure then sees the stored digest, so its papers go to the digest after that one, not to none.
A real `digest send` process, a real SMTP server on loopback deferring the first digest, the
other worker a second connection; PostgreSQL (SQLite lets one transaction write at a time)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import psycopg
import pytest
from helpers.at_once import in_thread
from helpers.bobs_week import BOB, Deferring, received

from digest.db import wall_clock
from digest.deliver.outbox import FAILED, QUEUED, SENT, Outbox
from digest.deliver.wanted import hold_names
from digest.demo.smtp_server import LocalSmtpServer
from digest.profiles.load import load_profiles
from digest.select.digests import next_digest
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = pytest.mark.backends


def waiting(dsn: str, sessions: int) -> bool:
    """Until ``sessions`` sessions of the database wait for a lock (30 s at most: a hang)."""
    sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = %s"
    with psycopg.connect(dsn, autocommit=True) as watch:
        for _ in range(1500):
            if watch.execute(sql, (watch.info.dbname,)).fetchone()[0] >= sessions:
                return True
            threading.Event().wait(0.02)
    return False


def test_a_failure_recorded_behind_a_send_storing_the_next_digest_leaves_its_papers_to_the_one_after(
    tmp_path, database
):
    if not database.startswith("postgresql://"):
        pytest.skip("SQLite's write lock lets one transaction at a time write")
    with LocalSmtpServer(Deferring()) as server:
        ws = Workspace(tmp_path, server.port, database)
        ws.profile("bob", BOB)
        ws.dump("thu.txt", make_dump("Mar 19", [("Robotics Thursday", "Robots that grasp.")]))
        assert ws.cli("ingest").exit_code == 0
        ws.cli("send")  # bob's first digest: 451, waiting for a retry
        assert len(server.handler.refused) == 1
        ws.dump("fri.txt", make_dump("Mar 20", [("Robotics Friday", "Robots that walk.")]))
        assert ws.cli("ingest").exit_code == 0
        with Store(ws.config.database) as other, psycopg.connect(database) as blocker:
            (thursday,) = Outbox(other).messages(QUEUED, user="bob")
            # the other worker has taken Thursday's retry (its claim's lease running): the send leaves it
            assert Outbox(other).claim([thursday.id], "w2", wall_clock(), dt.timedelta(minutes=10)) == [
                thursday.id
            ]
            # the send's storing, once it holds bob's name, is held up at the message's bytes
            blocker.execute("LOCK TABLE outbox_mime IN SHARE MODE")
            command = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
            send = subprocess.Popen(
                [*command, "send", "--user", "bob", "--force"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                assert waiting(database, 1)  # the send, holding bob's name, waits for the bytes' table

                def fail() -> None:  # the other worker: Thursday's refused for good
                    with other.transaction():
                        hold_names(other, ["bob"], share=True)
                        Outbox(other).mark_failed(
                            thursday, "550 5.2.2 mailbox full", wall_clock(), in_transaction=True
                        )

                failing, _, errors = in_thread(fail)
                failing.join(3)  # it waits behind the send's storing: two sessions waiting, the send and it
                waited = failing.is_alive() and waiting(database, 2)
                blocker.rollback()
                out, err = send.communicate(timeout=120)
            finally:
                send.kill()
            failing.join(60)
        assert send.returncode == 0, out + err
        assert errors == []
    (bob,) = load_profiles(ws.config)
    with Store(ws.config.database) as store:
        statuses = [(e.status, e.id == thursday.id) for e in Outbox(store).entries(user="bob")]
        assert statuses == [(FAILED, True), (SENT, False)]  # Friday's stored before the failure
        later = next_digest(store, bob, wall_clock())
        assert [m.paper.title for m in later.matches] == ["Robotics Thursday"]
    assert waited  # the failure waited for the storing
    assert received(server) == [["Friday"]]  # the send took Friday's alone; Thursday's, 451
