"""digest needs SQLite 3.35 or newer (the store's claims use RETURNING). Python's sqlite3 uses the
SQLite it was built with, which a Python 3.11 on an older system has older (Ubuntu 20.04's 3.31,
RHEL 8's 3.26): there a send met "near "RETURNING": syntax error" at its first claim. The store
refuses such an SQLite at its opening, saying which it found and what to do; the check reads the
version's text, as sqlite3.sqlite_version gives it (no older SQLite can be loaded here)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from digest.ingest.dumps import ingest
from digest.sqlite_needed import NEEDED, sqlite_too_old
from digest.store import Store

from conftest import NOW, Workspace, make_dump, postgres_database


@pytest.mark.parametrize("version", ["3.34.1", "3.31.1", "3.26.0", "3.9.2", "2.8.17"])
def test_an_older_sqlite_is_said_with_what_to_do(version):
    assert sqlite_too_old(version) == (
        f"digest needs SQLite 3.35 or newer; this Python's sqlite3 is {version} (run digest with a "
        "Python whose sqlite3 has a newer SQLite, or keep the database in PostgreSQL: "
        "`digest db migrate --to postgresql://...` copies this one there)"
    )


@pytest.mark.parametrize("version", ["3.35.0", "3.35.5", "3.40.1", "3.100.0", "4.0.0"])
def test_3_35_and_newer_are_taken(version):
    assert sqlite_too_old(version) is None  # 3.100 is newer than 3.35, though "3.100" < "3.35" as text


def test_this_pythons_sqlite_is_taken_and_its_store_opens(tmp_path):
    assert sqlite_too_old() is None and sqlite_too_old(sqlite3.sqlite_version) is None
    with Store(tmp_path / "digest.db") as store:
        assert store.db.execute("SELECT 1").fetchone() == (1,)


def _digest_with_sqlite(version: str, *args: str) -> list[str]:
    """The digest command in a Python whose sqlite3 module says its SQLite is ``version``, as an
    older system's Python says it (set before digest is imported, which reads it then)."""
    run = f"import sqlite3, sys; sqlite3.sqlite_version = {version!r}; from digest.cli import main; main()"
    return [sys.executable, "-c", run, *args]


def test_serve_and_the_daemon_say_an_older_sqlite_needs_fixing_not_that_it_may_pass(tmp_path):
    """An older SQLite does not pass by waiting: it is a database unusable until fixed, as a newer
    schema is. Before, `digest serve` said nothing of it at the start (it took it as a passing
    trouble, a lock) and the daemon logged "tick failed; retrying at the next poll", each poll."""
    ws = Workspace(tmp_path)
    ws.profile("ada", "email: ada@example.org\ninterests: [control]\n")
    config = ("--config", str(ws.config_path))
    server = subprocess.Popen(
        _digest_with_sqlite("3.31.1", *config, "serve", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().startswith("Serving on")  # the profile pages work without it
    finally:
        server.terminate()
        _, err = server.communicate(timeout=10)
    assert (
        "warning: digest needs SQLite 3.35 or newer; this Python's sqlite3 is 3.31.1 (" in err
        and "(the pages that need it answer 503 until then)" in err
    ), err

    daemon = subprocess.Popen(
        _digest_with_sqlite("3.31.1", *config, "run"), stderr=subprocess.PIPE, text=True
    )
    try:
        line = next(line for line in daemon.stderr if "tick failed" in line)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)
    assert (
        "tick failed, and will until this is fixed (retrying at the next poll): digest needs SQLite 3.35"
        in line
    )


def test_an_older_sqlite_copies_its_database_into_postgresql_as_it_is_told(tmp_path):
    """The refusal says to keep the database in PostgreSQL, and `digest db migrate` copies it there:
    it reads the SQLite file, no claim made in it (no RETURNING). Before, it was refused with the
    same words, the way they name closed: "error: digest needs SQLite 3.35 or newer; ...". A real
    SQLite file copied into a real PostgreSQL database (skipped without one)."""
    ws = Workspace(tmp_path)
    with Store(ws.config.database) as store:
        ingest(
            store, [ws.dump("a.txt", make_dump("Mar 12", [("Neural fields", "About neural fields.")]))], NOW
        )
    with postgres_database() as url:
        done = subprocess.run(
            _digest_with_sqlite("3.31.1", "--config", str(ws.config_path), "db", "migrate", "--to", url),
            capture_output=True,
            text=True,
        )
        with Store(url) as copy:
            assert copy.db.execute("SELECT title FROM papers").fetchall() == [("Neural fields",)]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every table's rows are there" in done.stdout
    refused = subprocess.run(
        _digest_with_sqlite("3.31.1", "--config", str(ws.config_path), "status"),
        capture_output=True,
        text=True,
    )
    assert (
        refused.returncode == 1
        and "`digest db migrate --to postgresql://...` copies this one" in refused.stderr
    )


def test_the_readme_states_the_sqlite_digest_needs():
    """README says which SQLite digest needs, the one it refuses older than (digest.sqlite_needed):
    it said none, and a user met the refusal first. The highest any statement of digest's needs:
    RETURNING (3.35); none uses STRICT tables (3.37), ->> (3.38), DROP COLUMN (3.35)."""
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(
        r"\*\*Needs\*\* Python 3\.11 or newer whose `sqlite3` module has SQLite (\d+)\.(\d+) or newer", readme
    )
    assert stated is not None, "README states no SQLite version"
    assert (int(stated[1]), int(stated[2])) == NEEDED
    assert f"digest needs SQLite {NEEDED[0]}.{NEEDED[1]} or newer; this Python's sqlite3 is ..." in readme


def test_an_older_sqlite_does_not_copy_a_database_whose_killed_send_left_digests_to_record(tmp_path):
    """A journal a killed send left beside the file says the server accepted a digest the file does
    not record yet: `digest db migrate` records it first, a mark (RETURNING), which an older SQLite
    reads as a syntax error. It is refused, saying so, nothing copied, the journal left for a newer
    one to record; with this Python's SQLite the same command records it, then copies."""
    from helpers.killed_pass import killed_pass_journal

    ws = Workspace(tmp_path)
    journal = killed_pass_journal(ws.config.database)
    with postgres_database() as url:
        done = subprocess.run(
            _digest_with_sqlite("3.31.1", "--config", str(ws.config_path), "db", "migrate", "--to", url),
            capture_output=True,
            text=True,
        )
        said = " ".join(done.stderr.split())
        assert done.returncode == 1, done.stdout + done.stderr
        assert (
            f"{ws.config.database}: 1 digest the server accepted is noted beside it but not recorded in "
            "it yet; recording it needs SQLite 3.35 or newer, and this Python's sqlite3 is 3.31.1"
        ) in said, said
        assert "syntax error" not in said, said
        with Store(url) as copy:
            assert copy.db.execute("SELECT COUNT(*) FROM outbox").fetchone() == (0,)
        assert journal.exists()
    with postgres_database() as url:
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--config", str(ws.config_path), "db", "migrate", "--to", url],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        with Store(url) as copy:
            assert copy.db.execute("SELECT status FROM outbox").fetchall() == [("sent",)]


def _digest_without_fts5(*args: str) -> list[str]:
    """The digest command in a Python whose SQLite has no FTS5 (a build option): every connection's
    statement making an FTS5 table refused as such an SQLite refuses it (no SQLite without FTS5 can
    be loaded here)."""
    run = (
        "import functools, sqlite3\n"
        "class NoFts5(sqlite3.Connection):\n"
        "    def execute(self, sql, *args):\n"
        "        if 'using fts5' in sql.lower():\n"
        "            raise sqlite3.OperationalError('no such module: fts5')\n"
        "        return super().execute(sql, *args)\n"
        "    def executescript(self, sql):\n"
        "        if 'using fts5' in sql.lower():\n"
        "            raise sqlite3.OperationalError('no such module: fts5')\n"
        "        return super().executescript(sql)\n"
        "sqlite3.connect = functools.partial(sqlite3.connect, factory=NoFts5)\n"
        "from digest.cli import main\n"
        "main()\n"
    )
    return [sys.executable, "-c", run, *args]


def test_an_sqlite_without_fts5_is_refused_at_the_opening_saying_so(tmp_path):
    """README says digest needs an SQLite built with FTS5 (the word index is an FTS5 table). Before,
    a new database's migration met it: "digest.db: cannot open the database: no such module: fts5",
    what to do not said. Refused at the opening instead, saying what is needed, nothing made."""
    ws = Workspace(tmp_path)
    ws.profile("ada", "email: ada@example.org\ninterests: [control]\n")
    done = subprocess.run(
        _digest_without_fts5("--config", str(ws.config_path), "status"), capture_output=True, text=True
    )
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot open the database" not in said, said
    assert (
        f"digest needs SQLite built with FTS5 (its word index is an FTS5 table); this Python's sqlite3 "
        f"(SQLite {sqlite3.sqlite_version}) has none (no such module: fts5): run digest with a Python whose "
        "sqlite3 has it, or keep the database in PostgreSQL"
    ) in said, said
    assert not ws.config.database.exists()
    assert "digest needs SQLite built with FTS5 ..." in " ".join(
        (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split()
    )
