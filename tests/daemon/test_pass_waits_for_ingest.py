"""A daemon's pass on PostgreSQL that finds another worker taking in the inbox's dumps (its
"ingest" advisory lock held) as a reader's send time comes: it skipped the inbox and made that
reader's digest at once, without the dump, and closed the period. It now waits for that worker,
as for a fetch (first.py, tick.PATIENCE), when a settled dump waits in the inbox. Real
parts: a real `digest ingest` and `digest run --once`, another connection holding the lock, aiosmtpd."""

from __future__ import annotations

import datetime as dt

import pytest
from daemon_processes import another_worker_at, workers_share
from helpers.sends_that_fetch import digest, text_of

from conftest import a_minute_ago, make_dump

pytestmark = pytest.mark.backends

ADA = "email: ada@example.org\ninterests: [neuromorphic]\n"


def test_a_pass_at_a_send_time_while_another_worker_takes_in_a_dump_waits_for_it(mail_workspace, smtp_server):
    ws = mail_workspace
    workers_share(ws)
    now = dt.datetime.now(dt.UTC)
    ws.profile("ada", ADA + f'send_at: "{now - dt.timedelta(minutes=1):%H:%M}"\n')  # just come
    ws.dump(
        "one.txt",
        make_dump(f"{now - dt.timedelta(days=2):%b %d}", [("Neuromorphic Early", "Spikes.")]),
        mtime=a_minute_ago(),
    )
    taken = digest(ws, "ingest")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    latest = make_dump(f"{now - dt.timedelta(days=1):%b %d}", [("Neuromorphic Late", "More spikes.")])
    # settled, in the inbox: the latest listing, ada's first digest
    ws.dump("two.txt", latest, mtime=a_minute_ago())
    with another_worker_at(ws.config.database, "ingest", seconds=3):  # the other worker's ingest
        ran = digest(ws, "run", "--once")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "two.txt: " in ran.stdout and "digest for ada (" in ran.stdout, ran.stdout + ran.stderr
    (received,) = smtp_server.messages  # was: the older listing's paper, the period done
    assert "Neuromorphic Late" in text_of(received), text_of(received)
    assert not list((ws.root / "inbox").glob("*.txt"))


def test_a_pass_with_no_settled_dump_does_not_wait_for_another_workers_ingest(mail_workspace, smtp_server):
    import time

    ws = mail_workspace
    workers_share(ws)
    now = dt.datetime.now(dt.UTC)
    ws.profile("ada", ADA + f'send_at: "{now - dt.timedelta(minutes=1):%H:%M}"\n')
    ws.dump(
        "one.txt",
        make_dump(f"{now - dt.timedelta(days=1):%b %d}", [("Neuromorphic Early", "Spikes.")]),
        mtime=a_minute_ago(),
    )
    assert digest(ws, "ingest").returncode == 0
    with another_worker_at(ws.config.database, "ingest"):  # held all along
        started = time.monotonic()
        ran = digest(ws, "run", "--once")
        took = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 paper queued" in ran.stdout and took < 20, (took, ran.stdout)


def test_a_send_time_that_comes_while_a_pass_waits_is_served_by_that_pass(mail_workspace, smtp_server):
    import time

    from digest.daemon.service import Daemon
    from digest.deliver.transports import SmtpSender

    ws = mail_workspace
    workers_share(ws)
    seven = dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC)
    ws.profile("ada", ADA + 'send_at: "07:00"\n')
    ws.dump(
        "day.txt",
        make_dump("Mar 15", [("Neuromorphic Late", "Spikes.")]),
        mtime=seven - dt.timedelta(hours=1),
    )
    began = time.monotonic()  # the pass starts at 06:59:58, the clock going on as it waits
    clock = lambda: seven - dt.timedelta(seconds=2) + dt.timedelta(seconds=time.monotonic() - began)  # noqa: E731
    daemon = Daemon(ws.config, clock, sender_factory=lambda config: SmtpSender(config.smtp))
    with another_worker_at(ws.config.database, "ingest", seconds=4):  # the other worker's ingest
        report = daemon.run_once()
    assert [r.new_papers for r in report.ingested.results] == [1]
    assert [s.user for s in report.scheduled] == ["ada"]  # was: none, ada left to the next pass
    (received,) = smtp_server.messages
    assert "Neuromorphic Late" in text_of(received)


def test_sigterm_as_a_pass_waits_stops_it_at_once_without_saying_it_had_nothing_to_do(
    mail_workspace, smtp_server
):
    import signal
    import subprocess
    import sys
    import time

    ws = mail_workspace
    workers_share(ws)
    now = dt.datetime.now(dt.UTC)
    ws.profile("ada", ADA + f'send_at: "{now - dt.timedelta(minutes=1):%H:%M}"\n')
    ws.dump(
        "day.txt",
        make_dump(f"{now - dt.timedelta(days=1):%b %d}", [("Neuromorphic Late", "Spikes.")]),
        mtime=a_minute_ago(),
    )
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "run", "--once"]
    with another_worker_at(ws.config.database, "ingest") as other:  # a holder that never lets go
        run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # waiting for it (up to 2 minutes)
        sent = time.monotonic()
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
        took = time.monotonic() - sent
        made = other.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert run.returncode == 143 and took < 5, (run.returncode, took, out, err)
    assert "stopped before the end of the pass" in out, out + err
    assert "nothing to do" not in out, (
        out
    )  # was: "nothing to do: no source due, no new dump, no reader's ..."
    assert made == 0 and smtp_server.messages == []  # ada's digest left whole to the next pass
    assert (ws.root / "inbox" / "day.txt").exists()
