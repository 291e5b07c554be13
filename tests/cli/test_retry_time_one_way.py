"""A digest waiting in the outbox for its retry has one retry time, and every command says it the
same way: to the second, in UTC ("2026-12-06 09:20:59 UTC"), as `digest send`'s rows say it (the
rule of tests/cli/test_send_retry_time_said.py: the first retry comes within a minute, which to the
minute reads as the send's own). Before, `digest send` said "09:20:59 UTC", `digest status`
"next ... 09:20 UTC", `run --once` "(retry at ... 09:20 UTC)" and "waiting to be retried at ...
09:20 UTC", the daemon's log "2026-12-06T09:20:59+00:00". Real SQLite, a real loopback port
nobody listens on."""

from __future__ import annotations

from digest.demo.smtp_server import free_port
from digest.store import Store

from conftest import Workspace, make_dump


def stored(ws: Workspace) -> str:
    """The queued message's retry time, as stored, said to the second: '2026-12-06 09:20:59 UTC'."""
    with Store(ws.config.database) as store:
        ((at,),) = store.db.execute("SELECT next_attempt_at FROM outbox WHERE status = 'queued'").fetchall()
    return f"{at[:10]} {at[11:19]} UTC"


def test_send_status_and_run_once_say_the_same_retry_time_to_the_second(tmp_path):
    ws = Workspace(tmp_path, free_port())  # kept, not listening: the connection is refused
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic Chips", "About neuromorphic chips.")]))
    sent = ws.cli("send")
    at = stored(ws)
    assert f"waits until {at}: " in sent.stdout, (sent.stdout, at)

    status = ws.cli("status")
    assert f"ada <ada@example.org>: 1 attempt, next {at}, " in status.stdout, (status.stdout, at)
    idle = ws.cli("run", "--once")  # before its retry time
    assert f"1 message waiting to be retried at {at} (" in idle.stdout, (idle.stdout, at)

    with Store(ws.config.database) as store:  # its retry due now
        store.db.execute("UPDATE outbox SET next_attempt_at = ?", ("2000-01-01T00:00:00+00:00",))
        store.db.commit()
    tried = ws.cli("run", "--once")
    assert f"(retry at {stored(ws)})" in tried.stdout, (tried.stdout, stored(ws))
