"""An open page polls GET /u/<token>/version every 1.5 s. On PostgreSQL a real `digest serve`
answers the polls on the connections it holds (digest.web.held), not two new ones a poll (6-15 ms
each: benchmarks/bench_version_poll.py); a rating made by another process is in the next poll's
answer, and a poll after its sessions ended (as a restart of the database server ends them) is
answered on new connections; a database a later release migrated meanwhile is refused as a new
Store refuses it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import psycopg
import pytest

from digest.db import is_postgres
from digest.schema import SCHEMA_VERSION
from digest.signing import Signer

from conftest import NOW, SECRET, WebWorkspace, make_dump

pytestmark = pytest.mark.backends

HANG = 120  # seconds: only ends a server that hangs
ADA = "email: ada@example.org\ninterests: [robotics]\n"


def sessions(url: str, pid: int) -> list[tuple[int, object]]:
    """The sessions of the `digest serve` of ``pid`` (its application_name:
    digest.worker_ids.session_name)."""
    with psycopg.connect(url, autocommit=True) as admin:
        return admin.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name LIKE %s ORDER BY pid",
            (f"digest %:{pid}:%",),
        ).fetchall()


def opened(url: str) -> int:
    """The sessions the database has had (PostgreSQL 14 and later)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(autocommit=True) as admin:
        row = admin.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (name,)).fetchone()
        return row[0]


def end_sessions(url: str, pid: int) -> None:
    """The serve's sessions ended, as a restart of the database server or an admin ends them
    (the same FATAL 57P01 to each). Not a restart of pg_virtualenv -t's cluster: `pg_ctlcluster
    restart` exited 2 now and then on a loaded machine, which would fail CI for nothing."""
    with psycopg.connect(autocommit=True) as admin:
        for backend, _ in sessions(url, pid):
            admin.execute("SELECT pg_terminate_backend(%s, 10000)", (backend,))  # waits until it ended


def ada_ingested(tmp_path, port: int, database: str, monkeypatch) -> tuple[WebWorkspace, str]:
    """ada's workspace on PostgreSQL (skipped on SQLite), a day ingested, and her link's token."""
    if not is_postgres(database):
        pytest.skip("a connection is held on PostgreSQL only (an SQLite Store's open is a file's)")
    monkeypatch.setenv("DIGEST_TEST_SECRET", SECRET)
    ws = WebWorkspace(tmp_path, port, database)
    ws.profile("ada", ADA)
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Today", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    return ws, Signer.from_config(ws.config).token("ada", NOW)


def test_polls_are_answered_on_held_connections_that_follow_ratings_and_outlive_a_restart(
    tmp_path, smtp_server, database, monkeypatch
):
    ws, token = ada_ingested(tmp_path, smtp_server.port, database, monkeypatch)

    with ws.served(HANG) as proc:

        def poll() -> dict[str, str]:
            with urllib.request.urlopen(f"{ws.base_url}/u/{token}/version", timeout=HANG) as answer:
                return json.loads(answer.read())

        first = poll()
        held = sessions(database, proc.pid)
        before = opened(database)
        for _ in range(10):
            assert poll() == first
        # no session opened for the ten polls (the held ones may be counted since: a session's
        # statistics are sent by it, once a second at the most; one that ends sends them then)
        assert opened(database) - before <= len(held)
        assert sessions(database, proc.pid) == held  # the same sessions, still open
        assert len(held) == 2  # the link's reader (read-only) and the versions

        assert ws.cli("feedback", "ada", "1", "up").exit_code == 0  # another process's rating
        rated = poll()
        assert rated["ratings"] != first["ratings"] and rated["content"] != first["content"]

        end_sessions(database, proc.pid)
        assert poll() == rated  # answered at once, on new connections
        assert sessions(database, proc.pid) != held
        assert ws.cli("feedback", "ada", "1", "clear").exit_code == 0
        assert poll()["ratings"] == first["ratings"]


def test_a_poll_on_a_held_connection_says_a_newer_schema_as_a_new_store_would(
    tmp_path, smtp_server, database, monkeypatch
):
    """A later release migrated the database while this `digest serve` runs (its connections
    opened at the schema it understands): the polls are 503 at once, lasting (no Retry-After),
    the log saying the newer schema (once), as they are in a serve started after the upgrade."""
    ws, token = ada_ingested(tmp_path, smtp_server.port, database, monkeypatch)
    url = f"{ws.base_url}/u/{token}/version"
    with ws.served(HANG) as proc:
        with urllib.request.urlopen(url, timeout=HANG) as answer:
            assert answer.status == 200
        assert len(sessions(database, proc.pid)) == 2  # held
        with psycopg.connect(database, autocommit=True) as admin:  # a later release's migration
            admin.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
        for _ in range(2):  # each poll, not the first alone
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url, timeout=HANG)
            assert refused.value.code == 503 and refused.value.headers.get("Retry-After") is None
        proc.terminate()
        logged = proc.stderr.read()
    words = f"the database has schema version {SCHEMA_VERSION + 1}, newer than this digest understands"
    assert logged.count(words) == 1, logged  # once for the outage, not at each poll (outages.py)
