"""`digest send --to-dir` says once why a reader's digest queued already and not tried yet (a `digest
send` by SMTP stopped with Ctrl-C after some readers) is not written, and who sends it: in the note
under the table ("not written (made for email by a send by SMTP and not tried yet: the daemon's pass
or `digest send` sends it by SMTP): r2 <...>: 0 attempts, ..."). The reader's row says that the
digest is queued and not written, and points there; it said the same thing the note says, in other
words ("waiting, not tried yet (`digest send` sends it)").

Real parts: a real `digest send` process stopped by a real SIGINT after two readers, aiosmtpd on
loopback answering each MAIL FROM after a pause, then a real `digest send --to-dir`, SQLite."""

from __future__ import annotations

import datetime as dt

from helpers.faked import digest_at, needs_faketime
from helpers.send_process import SlowMail, untried_after_stop

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs
LATER = SENT + dt.timedelta(minutes=1)

NOTE = (
    "not written (made for email by a send by SMTP and not tried yet: the daemon's pass or `digest send` "
    "sends it by SMTP): {} <{}@example.org>: 0 attempts"
)


@needs_faketime
def test_a_digest_left_queued_is_said_once_in_the_note_and_pointed_at_by_its_row(tmp_path):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        untried = untried_after_stop(ws, handler, at=SENT)
        written = digest_at(ws, "send", "--to-dir", str(tmp_path / "files"), at=LATER)
    for user in untried:
        assert written.stderr.count(NOTE.format(user, user)) == 1, written.stderr
        (row,) = [line for line in written.stdout.splitlines() if line.startswith(f"{user} ")]
        assert row.endswith("; not written (why, and who sends it: below)"), row
        assert "already queued today at 12:00 UTC; " in row, row
        assert "not tried yet" not in row and "sends it)" not in row, row  # said by the note, once
