"""`digest send --dry-run --to-dir DIR` in a folder with no `smtp.from` (no `smtp:` section) counts the
papers of a reader's digest queued before the upgrade to schema 37 and never tried, as it counts any
digest the send writes: `send --to-dir` there takes such a digest as the rest of a `send --to-dir`
stopped before the upgrade, and writes it (claims.for_files_before_37; README's Upgrading), "1 paper
written to ...". Before, the dry run said "0 papers" for it, and "(`digest send` sends it)", which
with no smtp.from refuses to send anything.

Real parts: a real `digest send` process stopped by a real SIGINT after two readers, aiosmtpd on
loopback answering each MAIL FROM after a pause, SQLite and PostgreSQL; the digests it left queued
are then as an upgrade from schema 36 leaves a message of then (for_files NULL), and the config loses
its `smtp:`."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.faked import digest_at, needs_faketime
from helpers.send_process import SlowMail, row, untried_after_stop

from digest.demo.smtp_server import LocalSmtpServer
from digest.store import Store

from conftest import Workspace

SENT = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)  # each command's clock: one day, whenever the test runs
LATER = SENT + dt.timedelta(minutes=1)


@pytest.mark.backends
@needs_faketime
def test_a_dry_run_counts_a_digest_queued_before_37_that_send_to_dir_writes(tmp_path, database):
    handler = SlowMail()
    with LocalSmtpServer(handler) as server:
        ws = Workspace(tmp_path, server.port, database=database)
        untried = untried_after_stop(ws, handler, at=SENT)
    with Store(ws.config.database) as store, store.transaction():
        store.db.execute("UPDATE outbox SET for_files = NULL WHERE status = 'queued'")  # as queued then
    config = ws.config_path.read_text()
    ws.config_path.write_text(config[: config.index("smtp:")])  # no `smtp:` section: no smtp.from
    files = str(tmp_path / "files")
    dry = digest_at(ws, "send", "--dry-run", "--to-dir", files, at=LATER)
    written = digest_at(ws, "send", "--to-dir", files, at=LATER)
    for user in untried:
        assert row(written.stdout, user).startswith(f"{user} {user}@example.org 1 paper written to "), written
        said = row(dry.stdout, user)
        assert said.startswith(f"{user} {user}@example.org 1 paper already queued today at 12:00 UTC; "), said
        assert "(`digest send` sends it)" not in said, said
