"""A message is given up `delivery.retry_for_hours` after it was queued. That was judged on two
machines' clocks: its created_at, written on the clock of the worker that made it, against the
time of the worker whose pass tried it last. A digest made by a worker 5 min behind the database
server's clock (or tried by one 5 min ahead) was given up 5 min early wherever it was tried: with
a 4.8 min window, at its second try, seconds after it was made. The window runs on the server's
clock now, from the message's queueing on it; created_at says the maker's time as before."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from helpers.clock_ahead import AHEAD, KillingMailbox, due_on_server
from helpers.failing_template import two_machines

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import postgres_database

WINDOW = "delivery:\n  retry_first_seconds: 1\n  retry_for_hours: 0.08\n"  # 4.8 min


def off_by(config_path, seconds: int) -> None:
    """A worker's pass on a machine whose clock is ``seconds`` off (every reading of it)."""
    subprocess.run([sys.executable, "-c", AHEAD, str(config_path), str(seconds)], check=True, timeout=60)


BEFORE_35 = "queued before schema 35 by its maker 5 min behind, which retries it"


@pytest.mark.parametrize("skewed", ["maker 5 min behind", "retried 5 min ahead", BEFORE_35])
def test_a_digest_is_given_up_retry_for_hours_after_it_was_queued_whichever_clock_is_off(tmp_path, skewed):
    """ada's digest deferred (451) by the pass that made it, then again by another worker's pass a
    second on: it waits for its next retry (was: "gave up after 2 attempts over 0.08 hours").
    A digest in the outbox at the upgrade has no queueing time on the server's clock
    (queued_on_server NULL), only its created_at, a time of its maker's clock: judged on the
    clock of the worker trying it, as the release before judged it (was: judged on the server's,
    given up 5 min early when its maker 5 min behind tried it again, here at its second try)."""
    mailbox = KillingMailbox()
    mailbox.pid = 0
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        for config in (ws.config_path, app2.config_path):
            config.write_text(config.read_text() + WINDOW)
        send_at = (wall_clock() - dt.timedelta(minutes=7)).strftime("%H:%M")  # due 5 min behind too
        ws.profile("ada", f"email: ada@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
        if skewed != "retried 5 min ahead":
            # the profiles and the dump written before, on its clock too
            for path in [*ws.root.glob("profiles/*"), *ws.root.glob("inbox/*")]:
                os.utime(path, (path.stat().st_mtime - 600,) * 2)
            off_by(ws.config_path, -300)  # db1's pass makes ada's digest: deferred
            if skewed == BEFORE_35:  # as the release before (schema 34) left it
                with Store(url) as store, store.transaction():
                    store.db.execute("UPDATE outbox SET queued_on_server = NULL")
            due_on_server(url, "ada")
            mailbox.deferred = False  # the next try deferred too
            if skewed == BEFORE_35:
                off_by(ws.config_path, -300)  # db1's, still 5 min behind, tries it again: deferred
            else:
                Daemon(app2.config, wall_clock).run_once()  # app2's, in step, tries it again: deferred
        else:
            Daemon(app2.config, wall_clock).run_once()  # app2's, in step, makes it: deferred
            due_on_server(url, "ada")
            mailbox.deferred = False  # the next try deferred too
            off_by(ws.config_path, 300)  # db1's, 5 min ahead, tries it again
        status = collect_status(ws.config, wall_clock())
    # was: "gave up after 2 attempts over 0.08 hours: 451 4.3.0 try again later"
    assert [f.last_error for f in status.failed] == []
    (queued,) = status.queued
    assert queued.attempts == 2
    made = dt.timedelta(minutes=5) if skewed != "retried 5 min ahead" else dt.timedelta(0)
    assert abs(wall_clock() - made - queued.created_at) < dt.timedelta(minutes=1)  # the maker's clock's
