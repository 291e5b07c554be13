"""`digest send --dry-run` says what the send would do for each reader: for one whose period's digest
is queued already and not tried yet (a `digest send` stopped with Ctrl-C after some readers), the
send sends that digest, with its papers, and the dry run counts them in the reader's row, as the send's
own row does once it went ("1 paper  sent"). Not under `--to-dir`: that digest is the reader's email,
which `send --to-dir` leaves queued for SMTP (said by the send: "not written (...)"), so the dry run
counts none there.

Real parts: a real `digest send` process stopped by a real SIGINT after two readers, aiosmtpd on
loopback answering each MAIL FROM after a pause, SQLite."""

from __future__ import annotations

import datetime as dt

from helpers.faked import digest_at, needs_faketime
from helpers.send_process import SlowMail, row, untried_after_stop

from digest.demo.smtp_server import LocalSmtpServer

from conftest import Workspace

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs
LATER = SENT + dt.timedelta(minutes=1)


@needs_faketime
def test_a_dry_run_counts_the_papers_of_a_queued_digest_the_send_sends(tmp_path):
    """Before: "r2  r2@example.org  0 papers  already queued today at ...; waiting, not tried yet
    (`digest send` sends it)", and the send that followed: "r2  r2@example.org  1 paper  sent"."""
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port)
        untried = untried_after_stop(ws, handler, at=SENT)
        dry = digest_at(ws, "send", "--dry-run", at=LATER)
        to_dir = digest_at(ws, "send", "--dry-run", "--to-dir", str(tmp_path / "files"), at=LATER)
        sent = digest_at(ws, "send", at=LATER)
    for user in untried:
        said = row(dry.stdout, user)
        assert said.startswith(f"{user} {user}@example.org 1 paper already queued today at 12:00 UTC; "), said
        assert said.endswith("waiting, not tried yet (`digest send` sends it)"), said
        assert row(sent.stdout, user) == f"{user} {user}@example.org 1 paper sent", sent.stdout
        left = row(to_dir.stdout, user)  # the reader's email: `send --to-dir` leaves it queued
        assert left.startswith(f"{user} {user}@example.org already queued"), left  # no count, as the send's
