"""`digest run --once` notes the send times it said missed (digest.store_missed) after it printed
them, opening the database again. Where it cannot be opened then (the PostgreSQL server refusing new
connections, here a database that stopped accepting them as the pass delivered), the pass's other
lines must still be printed: a dump it could not read (kept in inbox/failed/), a source that failed.
Before, the error ended the command there, and those lines were never said; now they are, then the
error, saying that the next pass says the missed send times again (not noted), and it exits 1.
Real `digest run --once` under libfaketime, PostgreSQL, aiosmtpd, and a mail server that does not answer."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from helpers.faked import digest_started_at, needs_faketime
from helpers.missed_history import MISSED, at, reader, sunday_served_monday_waiting
from helpers.silent_server import Silent

pytestmark = [pytest.mark.backends, needs_faketime]


def test_the_lines_of_a_pass_are_said_when_its_missed_send_times_cannot_be_noted(mail_workspace, smtp_server):
    ws = mail_workspace
    if not str(ws.config.database).startswith("postgresql"):
        pytest.skip("the database opened again by a new connection the server refuses")
    name = str(ws.config.database).rsplit("/", 1)[1]
    ws.profile("ada", reader("ada"))
    ws.profile("bob", reader("bob").replace('"00:00"', '"04:55"'))  # his digest goes as ada's is missed
    sunday_served_monday_waiting(ws)
    ws.dump("unreadable.txt", b"\x00\x01 not a listing \xff" * 40, mtime=at(7, 4))
    silent = Silent()
    try:
        silenced = ws.config_path.read_text().replace(f"port: {smtp_server.port}", f"port: {silent.port}")
        ws.config_path.write_text(silenced.replace("timeout: 5", "timeout: 120"))
        run = digest_started_at(ws, "run", "--once", at=at(7, 4, 56))
        try:
            assert silent.connected.wait(120), "the pass never came to deliver bob's digest"
            time.sleep(0.2)
            with psycopg.connect(autocommit=True) as admin:  # the pass's own connection goes on
                admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        except BaseException:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    finally:
        silent.close()  # bob's delivery fails: the pass ends, and notes ada's missed send time
    try:
        out, err = run.communicate(timeout=60)
    finally:
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    said = " ".join(err.split())
    assert MISSED in out and "not sent to bob" in out, out + err
    assert "unreadable.txt" in said, said  # Before: not said (the error ended the command first)
    assert "the send times said missed above were not noted as said" in said, said
    assert "the next pass says them again" in said and "not currently accepting connections" in said, said
    assert said.index("unreadable.txt") < said.index("not noted as said"), said
    assert run.returncode == 1


def test_readme_names_the_exit_of_a_pass_whose_missed_send_times_were_not_noted():
    """README's exit statuses of `run --once` (for cron and systemd timers) name this exit 1 beside
    a reader who got nothing: a pass that delivered everything exits 1 here, its error said."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    statuses = " ".join(
        readme[readme.index("for people who prefer cron or systemd timers: with 0") :].split()
    )
    statuses = statuses[: statuses.index("and 3 when a source it fetched")]
    assert "the database failed as it noted the missed send times it said" in statuses, statuses
