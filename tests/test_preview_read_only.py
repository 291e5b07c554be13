"""`digest preview` where the database takes no writes: a read-only disk (SQLite), a role that
may only read (PostgreSQL). A preview and its notes read one store, opened for writing where it
can be (the collection's counts, the embeddings kept), else read-only: it previews what is
indexed, and says what to do where papers stored since are not."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid

from digest.store import Store

from conftest import Workspace, make_dump, postgres_database, read_only_file

ADA = 'email: ada@example.org\ninterests: [neuromorphic, spiking]\nsend_at: "07:30"\n'


def digest(ws: Workspace, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real `digest` process (the clone's code: the test's PYTHONPATH is passed on)."""
    return subprocess.run(
        [sys.executable, "-m", "digest", "--config", str(ws.config_path), *args],
        capture_output=True,
        text=True,
        cwd=ws.root.parent,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def listed(ws: Workspace, name: str, title: str) -> None:
    ws.dump(name, make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [(title, "Spikes."), ("Soup", "Soup.")]))
    assert digest(ws, "ingest").returncode == 0


def test_a_preview_on_a_read_only_disk_reads_the_database_read_only(tmp_path):
    # Before: "error: digest.db: the database is read-only (or its folder is ...)": the preview
    # opened the database for writing, which a read-only disk refuses (-wal and -shm)
    (tmp_path / "ws").mkdir()  # (not tmp_path itself, pytest's, mounted read-only)
    ws = Workspace(tmp_path / "ws")
    ws.profile("ada", ADA)
    listed(ws, "a.txt", "Neuromorphic Chips")
    written = digest(ws, "preview", "ada", "--text")  # where it may write: the papers indexed
    assert written.returncode == 0, written.stderr
    with read_only_file(ws.root):
        shown = digest(ws, "preview", "ada", "--text")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == written.stdout and "1. Neuromorphic Chips" in shown.stdout
    listed(ws, "b.txt", "Neuromorphic Vision")  # stored, not indexed yet
    with read_only_file(ws.root):
        shown = digest(ws, "preview", "ada", "--text")
    assert shown.returncode == 1
    assert "digest.db: the database is read-only" in shown.stderr
    assert "make it writable" in shown.stderr and "Traceback" not in shown.stderr


def test_a_preview_through_a_role_that_may_only_read(tmp_path):
    import psycopg

    with postgres_database() as url:
        ws = Workspace(tmp_path, database=url)
        ws.profile("ada", ADA)
        listed(ws, "a.txt", "Neuromorphic Chips")
        written = digest(ws, "preview", "ada", "--text")
        assert written.returncode == 0, written.stderr
        role, name = f"digest_reader_{uuid.uuid4().hex[:8]}", url.rsplit("/", 1)[1]
        with psycopg.connect(autocommit=True) as admin:
            admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'r3ader-pw'")
        try:
            with Store(url) as store:
                store.db.raw.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
            host = os.environ.get("PGHOST", "127.0.0.1")
            reader = f"postgresql://{role}@{'127.0.0.1' if host.startswith('/') else host}"
            reader += f":{os.environ.get('PGPORT', '5432')}/{name}"
            ws.config_path.write_text(ws.config_path.read_text().replace(url, reader))
            shown = digest(ws, "preview", "ada", "--text", env={"PGPASSWORD": "r3ader-pw"})
            assert shown.returncode == 0, shown.stderr
            assert shown.stdout == written.stdout
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {role}")
