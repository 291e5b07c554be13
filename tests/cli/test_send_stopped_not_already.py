"""A `digest send` stopped with Ctrl-C before it made every reader's digest lists the readers it sent
to; a reader whose digest it did not make yet is not said to have had it ("already sent on Sat
2026-12-05 at 09:00 UTC", their digest of the day before): `digest send` sends the rest, as its last
line says. A reader is said "already sent" or "already queued" by another send only when another's
message took the period this send planned for them (tests/cli/test_two_sends_at_once.py).

Real parts: a real `digest send` process and a real SIGINT, aiosmtpd on loopback answering each
MAIL FROM after a pause (so the signal lands before the digests of the last readers are made)."""

from __future__ import annotations

from helpers.send_process import SlowMail, readers_to_send, stopped_send

from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace

READERS = 60
YESTERDAY = "2026-01-01T09:00:00+00:00"


def test_a_stopped_send_does_not_say_the_readers_it_did_not_reach_already_had_theirs(tmp_path):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        command = readers_to_send(ws, READERS)
        with Store(ws.config.database) as store, store.transaction():  # each reader's digest of a day before
            for i in range(READERS):
                store.db.execute(
                    "INSERT INTO outbox (message_id, user, recipient, subject, mime, paper_ids, status, "
                    "attempts, next_attempt_at, created_at, sent_at, for_files) "
                    "VALUES (?, ?, ?, 'Digest', ?, "
                    "'[]', 'sent', 1, ?, ?, ?, 0)",
                    (
                        f"<old{i}@example.org>",
                        f"r{i}",
                        f"r{i}@example.org",
                        b"",
                        YESTERDAY,
                        YESTERDAY,
                        YESTERDAY,
                    ),
                )
        out, err, code = stopped_send(command, handler)
    assert code == 130, out + err
    rows = [line for line in out.splitlines() if line.startswith("r")]
    assert len(rows) < READERS, out  # the case of this test: some readers' digests not made
    assert all(line.endswith("  sent") for line in rows), out  # before: "already sent on Thu 2026-01-01 ..."
    assert "`digest send` sends the rest" in err, err
