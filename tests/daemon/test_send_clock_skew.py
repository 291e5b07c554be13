"""`digest send` on a machine whose clock is off the database server's: its leases on messages
were times of its machine's own clock (it measured no skew), so a `send` 5 min ahead took a
message a daemon worker still held and sent it (a digest twice), and one killed while the SMTP
server took a message held it 5 min and a lease. It measures the skew once per send now, and
holds messages on the database server's clock, as a daemon's pass does (test_clock_skew)."""

from __future__ import annotations

import signal
import subprocess
import sys

from helpers.clock_ahead import LEASE, SEND_AHEAD, KillingMailbox, due_on_server
from helpers.failing_template import two_machines
from helpers.leases import times_past

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.outbox import Outbox
from digest.demo.smtp_server import LocalSmtpServer, Mailbox
from digest.store import Store

from conftest import postgres_database


def send_ahead(config_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SEND_AHEAD, str(config_path), "300", *args])


def deferred_for_ada(tmp_path, port: int, url: str, delivery: str):
    """db1 and app2 on one database; app2's worker's pass made ada's digest, the server deferred it."""
    ws, app2 = two_machines(tmp_path, port, url)
    for config in (ws.config_path, app2.config_path):
        config.write_text(config.read_text() + f"delivery:\n  retry_first_seconds: 1\n{delivery}")
    Daemon(app2.config, wall_clock).run_once()
    return ws, app2


def test_a_send_ahead_leaves_a_message_a_worker_holds(tmp_path):
    """A `digest send --user ada` 5 min ahead took ada's deferred digest while the worker that
    held it (a 2 min lease) was sending it: ada got it twice. It leaves it to its holder now."""
    mailbox = KillingMailbox()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, _ = deferred_for_ada(tmp_path, server.port, url, "")
        due_on_server(url, "ada")  # its retry (a second on)
        with Store(url) as store:  # the in-step worker's next pass holds it (its lease: 2 min)
            (msg,) = Outbox(store).due_ids(wall_clock())
            assert Outbox(store).claim([msg], "app2:1:retry", wall_clock(), LEASE) == [msg]
        assert send_ahead(ws.config_path, "--user", "ada").wait(timeout=60) == 0
        assert mailbox.messages == []  # was: ada's, while the worker sends it too
        with Store(url) as store:
            assert Outbox(store).claim([msg], "db1:1:other", wall_clock(), LEASE) == []  # still held


def test_the_message_a_killed_send_ahead_was_sending_goes_from_a_worker_after_a_lease(tmp_path):
    """A `digest send` 5 min ahead, killed while the SMTP server took ada's deferred digest, held
    it 5 min and a lease: the workers' passes sent nothing meanwhile, and `digest status` said the
    send "holds 1 message". Its lease is on the database server's clock now: gone a lease on."""
    mailbox = KillingMailbox()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = deferred_for_ada(tmp_path, server.port, url, "  lease_seconds: 2\n")
        due_on_server(url, "ada")  # its retry (a second on)
        sending = send_ahead(ws.config_path, "--user", "ada")
        mailbox.pid = sending.pid  # killed as the server takes ada's digest
        assert sending.wait(timeout=60) == -signal.SIGKILL
        with Store(url) as store:
            (held,) = store.db.execute(
                "SELECT claimed_until FROM outbox WHERE status = 'queued' AND claimed_by IS NOT NULL"
            ).fetchall()
        assert mailbox.messages == []
        times_past(url, "SELECT claimed_until FROM outbox")  # a lease on
        assert [w.messages for w in collect_status(ws.config, wall_clock()).workers] in ([], [0]), held
        Daemon(app2.config, wall_clock).run_once()  # the in-step worker's next pass
        assert [m.rcpt_tos for m in mailbox.messages] == [["ada@example.org"]]  # was: [], for 5 min more


def test_a_send_ahead_says_the_retry_time_status_says(tmp_path):
    """A `digest send` 5 min ahead whose message the server deferred said "deferred until" a time
    of its own clock, while the time it stored (outbox.next_attempt_at), which `digest status`
    and the daemon's idle line say, is the database server's (4a0c41c): the two 5 min apart for
    one retry. It says the time stored now."""
    mailbox = KillingMailbox()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, _ = deferred_for_ada(tmp_path, server.port, url, "")
        due_on_server(url, "ada")  # its retry (a second on)
        mailbox.deferred = False  # deferred again
        command = [sys.executable, "-c", SEND_AHEAD, str(ws.config_path), "300", "--user", "ada"]
        sent = subprocess.run(command, capture_output=True, text=True, timeout=60)
        (queued,) = collect_status(ws.config, wall_clock()).queued
    said = f"deferred until {queued.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"  # the time stored, as status
    assert said in sent.stdout, sent.stdout  # was: 5 min later


def test_a_send_ahead_says_its_clock_is_off_once_in_its_own_words(tmp_path, monkeypatch):
    """A daemon's pass on a machine whose clock is off the database server's says so (skew_note, at
    WARNING); a `digest send` there said nothing, then the daemon's words ("its readers' digests are
    made when this clock reaches their send time"), not true of a send, which serves its readers
    at once. It says once now (stderr) what the clock risks for it: which period it sends and which
    sources are due (fetched first) are judged by that clock. One in step says nothing."""
    with postgres_database() as url, LocalSmtpServer(Mailbox()) as server:
        ws, _ = two_machines(tmp_path, server.port, url)
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))  # its `digest send`: a user's one config
        said = {}
        for off in ("300", "0"):
            command = [sys.executable, "-c", SEND_AHEAD, str(ws.config_path), off, "--user", "ada"]
            said[off] = subprocess.run(command, capture_output=True, text=True, timeout=60)
    note = (  # a period: a day of the reader's schedule (a weekly reader's is their week's day)
        "this machine's clock is 300 s ahead of the database server's: `digest send` judges by this "
        "clock which period it sends each reader (a day of their schedule) and which sources are due "
        "to be fetched first (300 s early: a reader's next period, or a source's moment, up to 300 s "
        "ahead has come; the leases and the messages' due times are the server's clock's); set the "
        "clock right (NTP)"
    )
    stderr = " ".join(said["300"].stderr.split())  # the log's lines wrapped in a narrow terminal
    assert stderr.count(note) == 1, said["300"].stderr  # was: the daemon's words
    assert "their send time" not in stderr
    assert said["300"].stderr.count("this machine's clock") == 1
    assert "this machine's clock" not in said["0"].stderr
    assert said["300"].returncode == said["0"].returncode == 0, said["300"].stdout
