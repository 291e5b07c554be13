"""A reader's digest of the day made and never offered (a `digest send` stopped before it: "waiting, not
tried yet (`digest send` sends it)"), which another worker's pass tries, and the server defers, while a
`digest send --user ada` pauses between its look and its claim (PostgreSQL). The send leaves it to its
retry time (tests/daemon/test_deferred_meanwhile.py), and its row says so: "deferred until <time> UTC:
451 ...". Before, the row kept the words of the look: "waiting, not tried yet (`digest send` sends
it)", right after a send that did not send it, of a digest the server had just deferred.

Real parts: two config folders on one PostgreSQL database (a daemon's worker and a user's `digest send`
process, paused before its claim), aiosmtpd on loopback deferring the first two messages."""

from __future__ import annotations

import datetime as dt

from helpers.failing_template import two_machines
from helpers.paused_send import DefersTwice, one_day_ahead, send_paused_while

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.held_said import retry_said
from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import postgres_database


def test_a_digest_never_tried_then_deferred_by_another_worker_meanwhile_is_said_deferred(
    tmp_path, monkeypatch
):
    one_day_ahead(dt.timedelta(minutes=2))  # the whole test, seconds here, in one day of ada's
    mailbox = DefersTwice()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))
        for config in (ws.config_path, app2.config_path):
            config.write_text(config.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        Daemon(app2.config, wall_clock).run_once()  # ada's digest made (and deferred: the 451 wiped below)
        with Store(ws.config.database) as store, store.transaction():
            # as a `digest send` stopped after making it and before offering it leaves it: never tried
            store.db.execute(
                "UPDATE outbox SET attempts = 0, last_error = NULL, next_attempt_at = created_at "
                "WHERE user = ?",
                ("ada",),
            )

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's next pass: ada's digest tried, deferred
            assert len(mailbox.tries) == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        (queued,) = collect_status(ws.config, wall_clock()).queued
    assert mailbox.messages == [] and queued.attempts == 1, said  # left to its retry time
    (row,) = [line for line in said.splitlines() if line.startswith("ada ")]
    # was: "ada  ada@example.org  already queued today at 09:22 UTC; waiting, not tried yet (`digest
    # send` sends it)"
    assert row.endswith(
        f"; deferred until {retry_said(queued.next_attempt_at)}: 451 4.3.0 try again later"
    ), said
    assert "not tried yet" not in said, said
