"""The database's sessions ended (a restart, a failover) just after the server accepted a digest:
the halt is said once, with the error that stopped the pass. It was said twice at CRITICAL, the
second time with the dead connection's "the connection is lost" for a cause: the connection's
last result, not recorded, was tried again as the pass ended, though it was noted already; and
a daemon's "tick failed" line then said it all a third time."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import psycopg
from daemon_processes import start, stop_all, wait_until
from helpers.many_workers import setup

from digest.demo.smtp_server import LocalSmtpServer, Mailbox

from conftest import Workspace, postgres_database


class EndsTheSessions(Mailbox):
    """Accepts every message; at the third's DATA (its data ended), ends the digest sessions of
    the database: the next statement of the pass is the commit recording that third digest."""

    url = ""

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) == 2:
            with psycopg.connect(self.url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name LIKE 'digest %' AND pid <> pg_backend_pid()"
                )
        return await super().handle_DATA(server, session, envelope)


@contextlib.contextmanager
def six_readers_due(tmp_path) -> Iterator[tuple[Workspace, EndsTheSessions]]:
    """Six readers due on a fresh PostgreSQL database, and a real aiosmtpd on loopback that ends
    the digest sessions at the third digest's DATA (the received: the handler's messages)."""
    handler = EndsTheSessions()
    with postgres_database() as url, LocalSmtpServer(handler) as server:
        handler.url = url
        yield setup(tmp_path, server.port, url, readers=6), handler
    received = sorted(m.rcpt_tos[0] for m in handler.messages)
    assert received == [f"r{i:04d}@example.org" for i in range(6)]  # each once: nothing lost, none twice


def send(ws) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_database_restart_after_the_server_accepted_a_digest_is_said_once_with_its_cause(tmp_path):
    with six_readers_due(tmp_path) as (ws, _):
        halted = send(ws)
        assert halted.returncode == 1, halted.stderr
        said = [line for line in halted.stderr.splitlines() if " CRITICAL " in line]
        assert len(said) == 1, halted.stderr  # was: twice, then "(the connection is lost)"
        assert "the server accepted the digest to r0002 <r0002@example.org>" in said[0]
        assert "(terminating connection due to administrator command)" in said[0], said
        assert "the connection is lost" not in halted.stderr
        resumed = send(ws)  # the database answering: r0002's recorded, the others sent
        assert resumed.returncode == 0, resumed.stderr
        assert "recorded 1 digest the server had accepted before delivery stopped" in resumed.stderr


def test_a_worker_halted_by_a_database_restart_says_the_halt_once(tmp_path):
    with six_readers_due(tmp_path) as (ws, handler):
        worker = start(ws)
        try:
            wait_until(lambda: len(handler.messages) >= 6, 60, "every digest sent", ws)
            wait_until(
                lambda: "before delivery stopped" in (ws.root / "daemon.log").read_text(), 30, "r0002's", ws
            )
        finally:
            stop_all([worker])
    log = (ws.root / "daemon.log").read_text()
    assert log.count("the server accepted the digest to r0002 <r0002@example.org>") == 1, log  # was: 3
    assert "(terminating connection due to administrator command)" in log, log
    assert "the connection is lost" not in log, log
    assert "tick failed; retrying at the next poll: delivery is stopped (said above, at CRITICAL)" in log, log
    assert "recorded 1 digest the server had accepted before delivery stopped" in log, log


def test_a_database_restart_met_by_several_connections_is_said_with_the_servers_reason(tmp_path):
    """Three connections: each one whose digest the server accepted meets the ended sessions in its
    own commit, and names it: the one that met the end first has its cause (the server's reason, or
    "server closed the connection unexpectedly"), the others had psycopg's "the connection is lost"."""
    with six_readers_due(tmp_path) as (ws, _):
        text = ws.config_path.read_text()
        ws.config_path.write_text(text.replace("delivery:\n", "delivery:\n  connections: 3\n", 1))
        halted = send(ws)
        assert halted.returncode == 1, halted.stderr
        said = [line for line in halted.stderr.splitlines() if " CRITICAL " in line]
        causes = {line.split(" failed (", 1)[1].split("); delivery is stopped")[0] for line in said}
        assert len(causes) == 1, said  # the first connection's (the server's words if it got them)
        assert "the connection is lost" not in halted.stderr  # was: in the other connections' lines
        resumed = send(ws)  # each accepted digest recorded, the others sent: one each (six_readers_due)
        assert resumed.returncode == 0, resumed.stderr
