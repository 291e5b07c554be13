"""A worker's clock off the database server's (digest.daemon.clocks.clock_skew): a machine ahead
makes its readers' digests by its own clock. Nothing said it; each pass now does, with what it
risks and what to do. A daemon's leases, on readers and messages, are the server's clock's (a
`digest send`'s too: test_send_clock_skew)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys

import pytest
from helpers.clock_ahead import AHEAD, LEASE, KillingMailbox, due_on_server
from helpers.leases import times_past

from digest.daemon.clocks import SKEW_SAID, SkewSaid, clock_skew, skew_note
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, postgres_database


def test_a_clock_five_minutes_ahead_of_the_database_servers_is_said_with_what_it_risks():
    with postgres_database() as url, Store(url) as store:
        now = wall_clock()
        assert abs(clock_skew(store, now)) < SKEW_SAID  # this machine runs the server: one clock
        assert skew_note(clock_skew(store, now)) is None
        note = skew_note(clock_skew(store, now + dt.timedelta(minutes=5)))
        assert note is not None and note.startswith(
            "this machine's clock is 300 s ahead of the database server's: its readers' digests are made "
            "when this clock reaches their send time"
        )
        assert "(300 s early; the leases and the messages' due times are the server's clock's)" in note
        assert "set the clock right (NTP)" in note
        behind = skew_note(clock_skew(store, now - dt.timedelta(minutes=1)))
        assert behind is not None and "60 s behind the database server's" in behind
        assert "(60 s late;" in behind
        send = skew_note(clock_skew(store, now - dt.timedelta(minutes=1)), send=True)  # `digest send`'s
        assert send is not None and send.startswith(
            "this machine's clock is 60 s behind the database server's: `digest send` judges by this "
            "clock which period it sends each reader (a day of their schedule) and which sources are "
            "due to be fetched first (60 s late: a reader's next period, or a source's moment, come in "
            "the last 60 s is still ahead; the leases and the messages' due times are the server's "
            "clock's); set the clock right (NTP)"
        )


def test_on_sqlite_there_is_no_other_clock(tmp_path):
    with Store(Workspace(tmp_path).config.database) as store:
        assert clock_skew(store, wall_clock() + dt.timedelta(hours=1)) is None


def test_the_skew_is_said_once_then_again_when_it_moves_or_an_hour_later_and_back_in_step():
    """A worker polls every minute: its clock's skew is not said 1,440 times a day."""
    said, t0 = SkewSaid(), dt.datetime(2026, 3, 16, 7, tzinfo=dt.UTC)
    minutes = [t0 + dt.timedelta(minutes=m) for m in range(4)]
    ahead = dt.timedelta(seconds=300)
    assert said.to_say(dt.timedelta(seconds=1), t0) is None  # in step: nothing
    assert said.to_say(ahead, minutes[1]) is True
    assert said.to_say(ahead + dt.timedelta(seconds=2), minutes[2]) is None  # the same skew: said already
    assert said.to_say(ahead + SKEW_SAID, minutes[3]) is True  # moved on: said again
    assert said.to_say(ahead + SKEW_SAID, minutes[3] + dt.timedelta(hours=1)) is True  # an hour on
    assert said.to_say(dt.timedelta(0), minutes[3] + dt.timedelta(hours=2)) is False  # back in step: said
    assert said.to_say(dt.timedelta(0), minutes[3] + dt.timedelta(hours=3)) is None
    assert SkewSaid().to_say(None, t0) is None  # SQLite: no other clock


# one pass of a worker in its own process (its own worker id), on a machine whose clock is off by argv[2] s
PASS = """
import datetime as dt, sys
from digest.config import load_config
from digest.daemon.service import Daemon
from digest.db import wall_clock
clock = lambda: wall_clock() + dt.timedelta(seconds=float(sys.argv[2]))
daemon = Daemon(load_config(sys.argv[1]), clock=clock, wall=clock)
daemon.tick()
print(daemon.worker)
"""


def test_a_worker_a_day_ahead_keeps_the_others_rows_and_one_a_lease_behind_is_seen_running(tmp_path):
    """The workers table's times were each worker's own clock's: a worker whose clock ran a day
    ahead deleted the others' rows at every pass (not seen for a day, by its clock), and one
    behind by more than a lease was shown as "stopped or stuck?" while it ran. A worker whose
    clock is off the database server's by a fault writes the server's time there now; so does
    `digest status` judge with it, wherever it runs."""
    from digest.daemon.agree import alive
    from digest.daemon.status import collect_status

    with postgres_database() as url:
        ws = Workspace(tmp_path, database=url)
        lag = alive(ws.config) + dt.timedelta(minutes=1)
        offsets = {"in step": 0.0, "a day ahead": 86400.0, "behind": -lag.total_seconds()}
        ids = {}
        for machine, off in offsets.items():  # in this order: the one ahead passes after the other
            command = [sys.executable, "-c", PASS, str(ws.config_path), str(off)]
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
            ids[machine] = done.stdout.split()[-1]
        with Store(url) as store:
            seen = dict(store.db.execute("SELECT id, seen_at FROM workers").fetchall())
        assert set(seen) == set(ids.values())  # none pruned
        for at in seen.values():  # each on the server's clock (here, this machine's)
            assert abs(dt.datetime.fromisoformat(at) - wall_clock()) < dt.timedelta(minutes=1)
        for off in offsets.values():  # `digest status` on each machine
            now = wall_clock() + dt.timedelta(seconds=off)
            status = collect_status(ws.config, now, wall=now)
            assert [w.there for w in status.workers] == [True, True, True], status.workers


def test_the_readers_a_killed_worker_ahead_held_go_to_the_others_after_a_lease(tmp_path, smtp_server):
    """The readers' leases were times of each worker's own clock: a worker 5 min ahead, killed
    (SIGKILL, the OOM killer) while it held ada, bob and cy, held them 5 min and a lease, and
    `digest status` said so ("holds 3 readers"). They are times of the database server's clock now
    (as its row in the workers table is). Here strace kills it as it opens the user's template."""
    if shutil.which("strace") is None:
        pytest.skip("no strace to kill a worker as it builds the digests")
    from helpers.failing_template import two_machines

    from digest.daemon.claims import claim_readers
    from digest.daemon.status import collect_status

    with postgres_database() as url:
        ws, _ = two_machines(tmp_path, smtp_server.port, url)
        ws.config_path.write_text(ws.config_path.read_text() + "delivery:\n  lease_seconds: 2\n")
        ws.cli("status")  # the database's tables made
        template = str(ws.root / "tpl" / "digest.txt.j2")
        kill = ["strace", "-f", "-qq", "-o", os.devnull, "-P", template, "-e", "inject=openat:signal=KILL"]
        pass_ = subprocess.run([*kill, sys.executable, "-c", AHEAD, str(ws.config_path), "300"], timeout=60)
        assert pass_.returncode == -9
        with Store(url) as store:
            (held,) = store.db.execute(
                "SELECT COUNT(*) FROM reader_claims WHERE claimed_by IS NOT NULL"
            ).fetchone()
        assert held == 3
        times_past(url, "SELECT claimed_until FROM reader_claims")  # a lease on
        (worker,) = collect_status(ws.config, wall_clock()).workers
        assert worker.readers == 0  # was: 3, for 5 min more
        with Store(url) as store:
            lease = dt.timedelta(seconds=2)
            assert claim_readers(store, ["ada", "bob", "cy"], "db1", wall_clock(), lease) == [
                "ada",
                "bob",
                "cy",
            ]


def test_the_message_a_killed_worker_ahead_was_sending_goes_from_another_after_a_lease(tmp_path):
    """The messages' leases were times of each worker's own clock too: a worker 5 min ahead,
    killed while the SMTP server took ada's deferred digest again, held it 5 min and a lease, so
    the in-step worker's passes a lease on sent nothing (and `digest status` said the dead worker
    "holds 1 message"). A daemon's message leases are times of the database server's clock now,
    as its readers' leases are: the in-step worker's next pass sends ada's digest."""
    from helpers.failing_template import two_machines

    from digest.daemon.service import Daemon
    from digest.daemon.status import collect_status

    mailbox = KillingMailbox()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        for config in (ws.config_path, app2.config_path):
            delivery = "delivery:\n  lease_seconds: 2\n  retry_first_seconds: 1\n"
            config.write_text(config.read_text() + delivery)
        Daemon(app2.config, wall_clock).run_once()  # the in-step worker's: ada's digest deferred
        due_on_server(url, "ada")  # its retry (a second on): due to a worker ahead only then too
        ahead = subprocess.Popen([sys.executable, "-c", AHEAD, str(ws.config_path), "300"])
        mailbox.pid = ahead.pid  # its pass tries ada's digest again: killed as the server takes it
        assert ahead.wait(timeout=60) == -signal.SIGKILL
        with Store(url) as store:
            (held,) = store.db.execute(
                "SELECT user FROM outbox WHERE status = 'queued' AND claimed_by IS NOT NULL"
            ).fetchall()
        assert held == ("ada",) and mailbox.messages == []
        times_past(url, "SELECT claimed_until, next_attempt_at FROM outbox")  # a lease on, the retry due
        (killed,) = collect_status(ws.config, wall_clock()).workers  # (the in-step one's pass ended)
        assert killed.messages == 0  # was: it "holds 1 message", 5 min more
        Daemon(app2.config, wall_clock).run_once()  # the in-step worker's next pass
        assert [m.rcpt_tos for m in mailbox.messages] == [["ada@example.org"]]  # was: [], for 5 min more


def test_a_worker_ahead_leaves_a_message_another_worker_holds(tmp_path):
    """A worker 5 min ahead took a message another still held (its lease of 2 min ended, on the
    clock ahead) and sent it: ada got her digest twice once the other's send went on. Its pass
    judges the lease on the database server's clock now, and leaves the message to its holder."""
    from helpers.failing_template import two_machines

    from digest.daemon.service import Daemon
    from digest.deliver.outbox import Outbox

    mailbox = KillingMailbox()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        for config in (ws.config_path, app2.config_path):
            config.write_text(config.read_text() + "delivery:\n  retry_first_seconds: 1\n")
        Daemon(app2.config, wall_clock).run_once()  # the in-step worker's: ada's digest deferred
        due_on_server(url, "ada")  # its retry (a second on)
        with Store(url) as store:  # the in-step worker's next pass holds it (its lease: 2 min)
            (msg,) = Outbox(store).due_ids(wall_clock())
            assert Outbox(store).claim([msg], "app2:1:retry", wall_clock(), LEASE) == [msg]
        subprocess.run([sys.executable, "-c", AHEAD, str(ws.config_path), "300"], check=True, timeout=60)
        assert mailbox.messages == []  # was: ada's, while the other worker sends it too
