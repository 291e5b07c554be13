"""`digest db migrate` interrupted (Ctrl-C): all or nothing, and said as it is."""

from __future__ import annotations

import sys

import pytest

from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, make_dump, postgres_database


class _CtrlCAt:
    """A progress bar during which Ctrl-C is pressed: in the stage named, at its first rows."""

    def __init__(self, stage: str) -> None:
        self.stage, self.now = stage, ""

    def start(self, what: str, total: int) -> None:
        self.now = what

    def advance(self, n: int) -> None:
        if self.now == self.stage:
            raise KeyboardInterrupt

    def finish(self) -> None:
        pass


@pytest.mark.parametrize("stage", ["copying", "copying the word index"])
def test_ctrl_c_during_the_copy_says_interrupted_and_leaves_the_target_empty(workspace, monkeypatch, stage):
    """Ctrl-C while the word index was copied was said as 'error: digest.db: the database stayed
    locked by another process for too long; ... (database table is locked)' (exit 1): the SQLite
    statement reading the index was still open when its temporary tables were dropped, and that
    failure took the interrupt's place. It says 'interrupted' (130), copies nothing, and a second
    run copies everything."""
    ws = workspace
    # more words than the copy reads at once (5,000), so that it is midway when interrupted
    papers = [(f"Paper {i}", " ".join(f"word{i}x{j}" for j in range(200))) for i in range(30)]
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)
        assert ws.cli("status").exit_code == 0  # the papers indexed
    with postgres_database() as url:
        monkeypatch.setattr(sys.modules["digest.cli.db"], "progress_for", lambda obj: _CtrlCAt(stage))
        result = ws.cli("db", "migrate", "--to", url)
        assert (result.exit_code, result.output.strip()) == (130, "interrupted")
        with Store(url) as pg:
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 0
        monkeypatch.undo()
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 0, result.output
        assert "every table's rows are there" in result.output


def test_ctrl_c_while_the_copy_indexes_its_papers_says_the_copy_is_complete(workspace, monkeypatch):
    """Ctrl-C once the rows were copied and committed, while the papers the source had not
    indexed yet were indexed on the copy, said only 'interrupted' (130): every row was in
    PostgreSQL, unsaid, and the next run refused it ('the database already holds papers;
    migrate into an empty database (createdb a new one)'). It says the rows are all there, the
    `database:` line to write, and that the workers index the rest."""
    ws = workspace
    papers = [(f"Paper {i}", f"About topic {i}.") for i in range(5)]
    with Store(ws.config.database) as store:  # ingested, not indexed yet: no ranking since
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)
    with postgres_database() as url:
        monkeypatch.setattr("digest.select.collection.CHUNK", 2)  # Ctrl-C after the first 2
        monkeypatch.setattr(sys.modules["digest.cli.db"], "progress_for", lambda obj: _CtrlCAt("indexing"))
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 130, result.output
        assert "MISMATCH" not in result.output
        assert f"Copied {ws.config.database} into {url}: every table's rows are there." in result.output
        assert (
            "(the word index copied; indexing the papers the source had not indexed yet was "
            "interrupted, 3 left: the workers' first pass indexes them)"
        ) in result.output, result.output
        assert "Now set `database: postgresql://" in result.output
        assert result.output.rstrip().endswith("interrupted")
        with Store(url) as pg:
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 5
        monkeypatch.undo()
        again = ws.cli("db", "migrate", "--to", url)  # the copy is whole: the word index's tables aside
        assert again.exit_code == 0, again.output
        assert (
            f"{url} is a copy of {ws.config.database} already: every table's rows are the same in both "
            "(5 papers), but for the word index's, made from the papers, and the readers whose digest could "
            "not be made, noted anew by each pass (not compared); nothing copied again (3 papers not "
            "indexed yet: the workers' first pass "
            "indexes them)."
        ) in " ".join(again.output.split()), again.output


class _ServerEndsTheCopy(_CtrlCAt):
    """A progress bar at whose first rows copied the PostgreSQL server ends the copy's connection
    (as when it is stopped or restarted mid-command): a real error from the server."""

    def advance(self, n: int) -> None:
        import psycopg

        if self.now == "copying":
            with psycopg.connect(autocommit=True, dbname=self.stage) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


def test_the_server_lost_during_the_copy_is_said_of_the_postgresql_database_in_words(workspace, monkeypatch):
    """A PostgreSQL server stopped while `digest db migrate` copied was said as the SQLite file's
    fault: 'error: digest.db: consuming input failed: server closed the connection unexpectedly';
    then as libpq's text: 'error: URL: terminating connection due to administrator command
    CONTEXT: COPY papers, line 1'. It says what it means for the copy (one transaction: nothing
    of it kept) and what to do, and the copy made again once the server answers is whole."""
    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("A paper", "About it.")]))], NOW)
    with postgres_database() as url:
        name = url.rsplit("/", 1)[1]
        monkeypatch.setattr(
            sys.modules["digest.cli.db"], "progress_for", lambda obj: _ServerEndsTheCopy(name)
        )
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        said = " ".join(result.output.split())
        assert (
            f"error: {url}: the connection to PostgreSQL was lost during the copy (terminating connection "
            "due to administrator command): the copy is one transaction, not committed then, so nothing "
            f"of it was kept; {ws.config.database} is as it was. Run `digest db migrate` again once the "
            "server answers: it copies into the empty database, or says that it holds the copy already"
        ) in said, said
        assert "CONTEXT" not in said and f"error: {ws.config.database}" not in said
        monkeypatch.undo()
        with Store(url) as pg:
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone() == (0,)
        again = ws.cli("db", "migrate", "--to", url)  # as said: the server answers again
        assert again.exit_code == 0 and "every table's rows are there" in again.output, again.output
