"""A reader whose period's digest another `digest send` (or a worker) stored while this send made its
own, and who has an earlier digest waiting for its retry, which this send retries: the send's table
says both, the earlier digest's row ("earlier digest: sent") and the period's ("already sent today at
07:02"), as it says a period taken meanwhile for a reader with no retry (tests/cli/test_two_sends_at_once.py).
Before, the retry's row was all: the period's row was left out (the reader had an outcome), and the log
line that would have said it ("digest for r1 (...) not queued: the period has one already") is left
out of `digest send`'s log, for its row (said_once.SEND_ROWS): the reader's new digest vanished unsaid.

Real parts: a real `digest send` process with its clock at a given moment (libfaketime: the trigger's
'now' is the send's, and a send begun just before midnight UTC would say the other's digest "sent on
<the next day>"), aiosmtpd on loopback, SQLite. The other send is a trigger of the database storing its
digest for the reader just before this send stores its own: the moment two sends at once on
PostgreSQL meet only by chance."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess

from helpers.faked import clock_at, needs_faketime
from helpers.send_process import readers_to_send

from conftest import Workspace

pytestmark = needs_faketime

SENT = dt.datetime(2026, 3, 14, 7, 2, tzinfo=dt.UTC)  # the ingest's and the send's clock, any day
NOW = "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"
EARLIER = (  # r1's digest of an earlier day, deferred, waiting for its retry
    "INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, status, "
    "attempts, next_attempt_at, created_at, last_error, for_files) VALUES ('<old@example.org>', 'r1', "
    "'r1@example.org', '2026-01-01', 'Digest', x'', '[]', 'queued', 1, '2999-01-01T00:00:00+00:00', "
    "'2026-01-01T07:00:00+00:00', '451 4.3.0 try again later', 0)"
)
OTHER_SEND = f"""CREATE TRIGGER other_send BEFORE INSERT ON period_digests
    WHEN NEW.user = 'r1' AND NEW.message_id != '<other@example.org>' BEGIN
    INSERT INTO outbox (message_id, user, recipient, period, subject, mime, paper_ids, status, attempts,
        next_attempt_at, created_at, sent_at, for_files)
        VALUES ('<other@example.org>', 'r1', 'r1@example.org', NEW.period, 'Digest', x'', '[1]', 'sent', 1,
        {NOW}, {NOW}, {NOW}, 0);
    INSERT INTO period_digests (user, period, message_id)
        VALUES (NEW.user, NEW.period, '<other@example.org>');
END"""


def test_a_period_taken_meanwhile_is_said_beside_the_earlier_digest_retried(tmp_path, smtp_server):
    ws = Workspace(tmp_path, smtp_server.port)
    command = readers_to_send(ws, 3, at=SENT)
    db = sqlite3.connect(tmp_path / "digest.db", isolation_level=None)
    db.execute(EARLIER)
    db.execute(
        "INSERT INTO outbox_mime (outbox_id, mime, packed) VALUES (last_insert_rowid(), ?, 0)", (b"Hi",)
    )
    db.execute(OTHER_SEND)
    db.close()

    env = clock_at(SENT, {**os.environ, "TZ": "UTC"})
    sent = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    rows = [" ".join(line.split()) for line in sent.stdout.splitlines() if line.startswith("r1 ")]
    assert rows[0] == "r1 r1@example.org 0 papers earlier digest: sent", rows
    assert len(rows) == 2 and rows[1].startswith("r1 r1@example.org already sent today at 07:"), rows
    assert "not queued" not in sent.stderr, sent.stderr  # said in its row, not logged too
