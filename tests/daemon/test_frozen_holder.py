"""A worker frozen at its fetch on PostgreSQL (SIGSTOP, or its connection left idle in a transaction)
holds the "fetch" lock for good: every other worker's pass waited its patience (tick.PATIENCE) and
said only, at INFO, "fetch: another worker is still at it after 120 s; not waited for longer", and
`digest status` said nothing of it. The pass now warns with who holds it (pg_locks and
pg_stat_activity: pid, application, client, state, since when) and what to do, and `digest status`
names a duty's lock whose holder has been silent past the patience. Real parts: a real `digest run
--once` stopped by SIGSTOP in its fetch of a slow loopback source, a daemon's pass on the same
database, aiosmtpd (the patience shortened, not waited for: two minutes)."""

from __future__ import annotations

import logging
import socket

import pytest
from helpers.fetch_holders import a_pass_beside_a_frozen_worker

pytestmark = pytest.mark.backends


def test_a_pass_waiting_for_a_frozen_worker_says_who_holds_the_lock_and_status_names_it(
    mail_workspace, smtp_server, monkeypatch, caplog
):
    ws = mail_workspace
    quick = "    timeout: 1\n    retries: 0\n"  # its fetch may take 1 s: status' patience stays 1 s
    # 1.5 s on: the frozen worker's session silent past status' patience
    frozen, report, shown, _ = a_pass_beside_a_frozen_worker(ws, monkeypatch, caplog, quick, 1.5)
    me = f"digest {socket.gethostname()}:{frozen.pid}:"
    (said,) = [r for r in caplog.records if "lock for at least" in r.getMessage()]  # was: INFO, no one named
    assert said.levelno == logging.WARNING, said.getMessage()
    line = said.getMessage()
    assert 'another worker has held the "fetch" lock for at least ' in line, line  # its patience, 2 s,
    assert "longer than a worker at it is (4 s): it is stopped or hung" in line, line  # then silent past 4 s
    assert f'application "{me}' in line and "client " in line and "idle since " in line, line
    assert "SELECT pg_terminate_backend(" in line, line
    assert [s.user for s in report.scheduled] == ["cy"]  # the pass went on without the fetch
    assert "Duties held up (a pass waits for them, then goes on without):" in shown, shown
    (held,) = [x for x in shown.splitlines() if '"fetch" lock held by pid ' in x]
    assert f'application "{me}' in held and "SELECT pg_terminate_backend(" in held, held
