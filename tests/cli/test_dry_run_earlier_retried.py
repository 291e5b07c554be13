"""`digest send --dry-run` (by SMTP) says a reader's earlier digest waiting for its retry, which the
`digest send` it previews retries now and says in a row of its own ("ada  ada@example.org  1 paper
earlier digest: not sent: ..."): the dry run's row begins alike, and says when it was queued and that
the send retries it ("earlier digest: queued on Sat 2026-03-14 at 20:00 UTC; waiting (`digest send`
retries it)"), above the reader's row of the new digest, as the send's. Before, the dry run listed
the new digest alone (only `--dry-run --to-dir` said the earlier one, as `send --to-dir` leaves it).

One never tried (that send stopped with Ctrl-C before it offered it) is said as the reader's period's
digest is then: "waiting, not tried yet (`digest send` sends it)", not "retries it".

Real parts: real `digest send` processes with the clock on two days (libfaketime), a real loopback
port nobody listens on (aiosmtpd answering slowly, and a real SIGINT, for the one never tried),
SQLite and PostgreSQL."""

from __future__ import annotations

import sys

import pytest
from helpers.earlier_waiting import DAY1, DAY2, earlier_waiting
from helpers.faked import digest_at, needs_faketime
from helpers.send_process import SlowMail, stopped_send

from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace, make_dump

pytestmark = [pytest.mark.backends, needs_faketime]

EARLIER = "ada              ada@example.org                     1 paper  earlier digest: "


def test_a_dry_run_says_the_earlier_digest_the_send_retries(tmp_path, database):
    ws = earlier_waiting(tmp_path, database)

    dry = digest_at(ws, "send", "--dry-run", at=DAY2).stdout.splitlines()
    sent = digest_at(ws, "send", at=DAY2, code=1).stdout.splitlines()
    assert sent[0].startswith(EARLIER), sent  # the send retries the first day's digest, and says it
    assert dry[:2] == [
        f"{EARLIER}queued on Sat 2026-03-14 at 20:00 UTC; waiting (`digest send` retries it)",
        "ada              ada@example.org                     1 paper",  # the new digest, as before
    ], dry


def test_nothing_new_beside_it_is_said_as_the_send_says_it(tmp_path, database):
    """A reader with nothing new since: the send's row says "nothing new besides the earlier digest
    above" (which holds their papers); the dry run's too. Before, "nothing new" alone."""
    ws = earlier_waiting(tmp_path, database, ("Quantum Error Correction", "About surface codes."))

    dry = digest_at(ws, "send", "--dry-run", at=DAY2).stdout.splitlines()
    sent = digest_at(ws, "send", at=DAY2, code=1).stdout.splitlines()
    nothing = "ada              ada@example.org                    0 papers  nothing new besides the"
    assert sent[0].startswith(EARLIER) and sent[1] == f"{nothing} earlier digest above", sent
    assert dry[0].startswith(EARLIER) and dry[1] == f"{nothing} earlier digest above", dry


def test_an_earlier_digest_never_tried_is_not_said_to_be_retried(tmp_path, database):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        for i in range(5):
            ws.profile(f"r{i}", f"email: r{i}@example.org\ninterests: [neuromorphic]\n")
        ws.dump("day1.txt", make_dump("Mar 13", [("Neuromorphic Chips", "About neuromorphic chips.")]))
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"]
        # SIGINT while the second MAIL FROM is held (PostgreSQL stores one digest at a time): withdrawn,
        # that digest stays made and stored, never tried
        out, err, code = stopped_send(command, handler, after=1, at=DAY1)
        assert code == 130, out + err
        with Store(ws.config.database) as store:
            rows = store.db.execute("SELECT user FROM outbox WHERE status = 'queued' AND attempts = 0")
            untried = sorted(r[0] for r in rows.fetchall())
        assert untried, out + err  # made, stored, not tried: the case of this test
        ws.dump("day2.txt", make_dump("Mar 14", [("Neuromorphic Memory", "About neuromorphic memory.")]))
        digest_at(ws, "ingest", at=DAY2)
        dry = digest_at(ws, "send", "--dry-run", at=DAY2).stdout.splitlines()
    for user in untried:
        (row,) = [line for line in dry if line.startswith(f"{user} ") and "earlier digest: " in line]
        assert row.endswith(
            "queued on Sat 2026-03-14 at 20:00 UTC; waiting, not tried yet (`digest send` sends it)"
        ), row
        assert "retries" not in row, row  # was: "waiting (`digest send` retries it)"
