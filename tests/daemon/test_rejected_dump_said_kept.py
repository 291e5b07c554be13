"""A dump the pass refuses is put aside in inbox/failed/: `digest run --once` and the daemon's
log say where it went, as `digest ingest` does (they named only the inbox's path, where the file
no longer is)."""

from __future__ import annotations

import datetime as dt
import logging

from digest.daemon.service import Daemon


def test_run_once_and_the_daemons_log_say_where_a_rejected_dump_was_kept(mail_workspace, caplog):
    ws = mail_workspace
    ws.dump("bad.txt", "not a listing\n")
    daemon = Daemon(ws.config, clock=lambda: dt.datetime.now(dt.UTC))
    said = daemon.describe(daemon.run_once()).splitlines()
    kept = ws.root / "inbox" / "failed" / "bad.txt"
    assert kept.exists()
    (rejected,) = [line for line in said if line.startswith("rejected: ") and "bad.txt" in line]
    assert "not a listing dump" in rejected and rejected.endswith(f"; kept in {kept}"), rejected

    ws.dump("bad2.txt", "not a listing either\n")
    caplog.clear()  # the daemon alone
    with caplog.at_level(logging.WARNING, logger="digest"):
        Daemon(ws.config, clock=lambda: dt.datetime.now(dt.UTC)).tick()
    warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rejected: ")]
    assert [w.endswith(f"; kept in {ws.root / 'inbox' / 'failed' / 'bad2.txt'}") for w in warned] == [True]
