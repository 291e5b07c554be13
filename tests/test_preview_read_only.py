"""`digest preview` where the database takes no writes: a read-only disk (SQLite), a role that
may only read (PostgreSQL). A preview and its notes read one store, opened for writing where it
can be (the collection's counts, the embeddings kept), else read-only: it previews what is
indexed, and says what to do where papers stored since are not."""

from __future__ import annotations

import datetime as dt
import functools
import os
import tempfile
import uuid
from pathlib import Path

import pytest
from helpers.listed_as import ADA, digest, listed

from digest.store import Store

from conftest import AS_NOBODY, READING, Workspace, a_minute_ago, make_dump, postgres_database, read_only_file


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
            as_owner = ws.config_path.read_text()
            as_reader = as_owner.replace(url, reader)
            ws.config_path.write_text(as_reader)
            password = {"env": {"PGPASSWORD": "r3ader-pw"}}
            shown = digest(ws, "preview", "ada", "--text", **password)
            assert shown.returncode == 0, shown.stderr
            assert shown.stdout == written.stdout
            # Before: "error: permission denied for table paper_terms", nothing of why or what to do
            ws.config_path.write_text(as_owner)
            listed(ws, "b.txt", "Neuromorphic Vision")  # stored by the owner, not indexed yet
            ws.config_path.write_text(as_reader)
            shown = digest(ws, "preview", "ada", "--text", **password)
            said = " ".join(shown.stderr.split())
            assert shown.returncode == 1 and shown.stderr.startswith("error: "), shown.stderr
            assert f"role '{role}' may only read this database, and the papers stored since" in said
            assert "through a role that may write (the daemon's next pass, or `digest status`" in said
            grant = f"INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public {{}} {role}"
            assert f"or grant this role writes (GRANT {grant.format('TO')})" in said
            assert "(permission denied for table paper_terms)" in said and "r3ader-pw" not in said
            with Store(url) as store:  # either cure: the grant it names lets the reader index them ...
                store.db.raw.execute(f"GRANT {grant.format('TO')}")
            shown = digest(ws, "preview", "ada", "--text", **password)
            assert shown.returncode == 0 and "Neuromorphic Vision" in shown.stdout, shown.stderr
            with Store(url) as store:  # ... or, the grant taken back, the owner's `digest status`
                store.db.raw.execute(f"REVOKE {grant.format('FROM')}")
            ws.config_path.write_text(as_owner)
            listed(ws, "c.txt", "Neuromorphic Memory")
            assert digest(ws, "status").returncode == 0
            ws.config_path.write_text(as_reader)
            shown = digest(ws, "preview", "ada", "--text", **password)
            assert shown.returncode == 0 and "Neuromorphic Memory" in shown.stdout, shown.stderr
            assert not shown.stderr  # the counts it made not kept (term_stats), and nothing said of it
        finally:
            with psycopg.connect(autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_preview_by_an_account_that_may_not_write_leaves_files_the_owners_error_names():
    # A reader's open leaves -wal and -shm of its own beside the database (SQLite cannot remove
    # them read-only), 0644 as the database: the owner's next write is refused. Before, that was
    # said "the database is read-only (or its folder is ...); make it writable" of a database and
    # a folder its owner may write
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")
    # (not under tmp_path, whose parents only root may search: access(2), which tells whether a
    # file may be written, is judged without the capability the accounts read them with)
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        ws = Workspace(root)
        os.chown(root, 0, 65534)
        root.chmod(0o2775)  # the group's folder
        ws.profile("ada", ADA)
        for folder in (root / "inbox", root / "profiles"):
            os.chown(folder, 1001, 65534)
        owner = (*AS_NOBODY[:1], "--reuid=1001", *AS_NOBODY[2:], *READING)  # the daemon's, of the group
        as_owner = {"before": owner, "preexec_fn": functools.partial(os.umask, 0o022)}
        listed(ws, "a.txt", "Neuromorphic Chips", **as_owner)
        assert digest(ws, "preview", "ada", **as_owner).returncode == 0  # its papers indexed
        shown = digest(ws, "preview", "ada", "--text", before=(*AS_NOBODY, *READING))  # another account
        assert shown.returncode == 0 and "1. Neuromorphic Chips" in shown.stdout, shown.stderr
        wal, shm = root / "digest.db-wal", root / "digest.db-shm"
        assert wal.stat().st_uid == 65534 and wal.stat().st_mode & 0o777 == 0o644
        ws.dump(
            "b.txt",
            make_dump(f"{dt.datetime.now(dt.UTC):%b %d}", [("Neuromorphic Vision", "Spikes.")]),
            mtime=a_minute_ago(),
        )
        refused = digest(ws, "ingest", **as_owner)
        assert refused.returncode == 1
        assert "the database is read-only" not in refused.stderr, refused.stderr
        said = f"{root / 'digest.db'}: digest.db-wal beside it is nobody's, mode 0644, which this account"
        assert said in refused.stderr and f"`chmod g+w {wal} {shm}`" in refused.stderr, refused.stderr
        assert "or remove both (the -wal is empty) while no digest command runs" in refused.stderr
        wal.unlink()
        shm.unlink()  # the cure said
        assert digest(ws, "ingest", **as_owner).returncode == 0


def test_a_preview_whose_effective_account_may_not_write_reads_the_database_read_only():
    # A process whose real account is root and effective one nobody (a setuid wrapper, a service
    # manager's): its opens are judged as nobody's, as the run and worker locks are. Before,
    # takes_no_writes asked os.access, which judges as the real account (root may write), and the
    # preview opened the database for writing: "the database is read-only ...; make it writable"
    if os.geteuid() != 0:
        pytest.skip("running as other accounts needs root")
    with tempfile.TemporaryDirectory() as name:  # root's, 0700: nobody searches it by READING
        ws = Workspace(Path(name))
        ws.profile("ada", ADA)
        listed(ws, "a.txt", "Neuromorphic Chips")
        assert digest(ws, "preview", "ada").returncode == 0  # its papers indexed
        as_nobody = ("setpriv", "--euid=65534", *READING)  # real uid root, effective nobody
        shown = digest(ws, "preview", "ada", "--text", before=as_nobody)
        assert shown.returncode == 0 and "1. Neuromorphic Chips" in shown.stdout, shown.stderr
        assert not list(Path(name).glob("digest.db-*"))  # nothing left beside it
