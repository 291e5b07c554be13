"""A message another worker deferred between a pass's look for what is due (Outbox.due_ids) and
its claim (Outbox.claim): the claim took it, as it took any queued message no other worker held,
and the pass tried it at once, before the retry time the server's 451 had just set. On PostgreSQL
the claim judges the message due again now, on the database server's clock (as due_ids does). The
send's row of it then says when it is retried, as the other worker's deferral left it ("deferred until
<time>: 451 ..."), not "waiting (`digest send` retries it)", which the send had just not done."""

from __future__ import annotations

import datetime as dt

from helpers.failing_template import two_machines
from helpers.paused_send import DefersTwice, one_day_ahead, send_paused_while

from digest.daemon.service import Daemon
from digest.daemon.status import collect_status
from digest.db import wall_clock
from digest.deliver.held_said import retry_said
from digest.demo.smtp_server import LocalSmtpServer

from conftest import postgres_database


def test_a_message_deferred_by_another_worker_after_the_look_is_not_tried_before_its_retry_time(
    tmp_path, monkeypatch
):
    """app2's worker's pass made ada's digest (deferred); a `digest send --user ada` on db1 makes
    it due now and finds it due, and while it pauses before its claim app2's next pass tries it
    and the server defers it again (its retry 1.6-2 min on). The send left it to its retry time;
    it took it and sent it at once: ada had her digest a second after the server said later."""
    one_day_ahead(dt.timedelta(minutes=2))  # the whole test, ~5 s here, in one day with room to spare
    mailbox = DefersTwice()
    with postgres_database() as url, LocalSmtpServer(mailbox) as server:
        ws, app2 = two_machines(tmp_path, server.port, url)
        monkeypatch.setenv("DIGEST_CONFIG", str(ws.config_path))  # its `digest send`: a user's one config
        for config in (ws.config_path, app2.config_path):
            config.write_text(config.read_text() + "delivery:\n  retry_first_seconds: 60\n")
        Daemon(app2.config, wall_clock).run_once()  # ada's digest made, deferred (451)

        def app2_pass() -> None:
            Daemon(app2.config, wall_clock).run_once()  # app2's next pass: ada's digest deferred again
            assert len(mailbox.tries) == 2

        said = send_paused_while(ws, tmp_path / "flag", app2_pass)
        assert mailbox.messages == [], said  # was: ada's, tried a second after the server's 451
        (queued,) = collect_status(ws.config, wall_clock()).queued
        assert queued.attempts == 2 and queued.next_attempt_at > wall_clock() + dt.timedelta(seconds=60)
        # its row says when it is retried, as app2's deferral left it; was (before that, "1 paper  sent"):
        # "waiting (`digest send` retries it)", right after a `digest send` that did not
        (row,) = [line for line in said.splitlines() if line.startswith("ada ")]
        retried = retry_said(queued.next_attempt_at)
        assert row.endswith(f"; deferred until {retried}: 451 4.3.0 try again later"), said
        assert "retries it" not in said, said
