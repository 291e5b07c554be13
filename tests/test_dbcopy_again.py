"""`digest db migrate` run again on the database it copied into, nothing recorded in either since:
the target is the file's copy already, said as such (not "createdb a new one", which, followed,
would only copy the same rows again)."""

from __future__ import annotations

import sys

from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, make_dump, postgres_database


class CtrlCWhileIndexing:
    """A progress bar during which Ctrl-C is pressed as the copy indexes its papers."""

    def __init__(self) -> None:
        self.now = ""

    def start(self, what: str, total: int) -> None:
        self.now = what

    def advance(self, n: int) -> None:
        if self.now == "indexing":
            raise KeyboardInterrupt

    def finish(self) -> None:
        pass


def test_migrate_run_twice_says_the_database_is_a_copy_already(workspace):
    ws = workspace
    with Store(ws.config.database) as store:
        ingest(
            store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "About a."), ("Paper B", "b.")]))], NOW
        )
        assert ws.cli("status").exit_code == 0  # the papers indexed
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        again = ws.cli("db", "migrate", "--to", url)
        # before: "error: ...: the database already holds papers; migrate into an empty database
        # (createdb a new one), so that nothing is mixed or overwritten" (exit 1)
        assert again.exit_code == 0, again.output
        assert "createdb" not in again.output
        assert f"{url} is a copy of {ws.config.database} already" in again.output, again.output
        assert "nothing copied again" in again.output
        assert "If not done yet, set `database: postgresql://" in again.output
        assert f"` in {ws.config.path}" in again.output
        with Store(url) as pg:
            assert pg.db.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 2


def test_migrate_again_after_a_copy_interrupted_while_indexing_says_it_is_a_copy(workspace, monkeypatch):
    ws = workspace
    papers = [(f"Paper {i}", f"About topic {i}.") for i in range(5)]
    with Store(ws.config.database) as store:  # ingested, not indexed yet
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)
    with postgres_database() as url:
        monkeypatch.setattr("digest.select.collection.CHUNK", 2)  # Ctrl-C after the first 2
        monkeypatch.setattr(sys.modules["digest.cli.db"], "progress_for", lambda obj: CtrlCWhileIndexing())
        assert ws.cli("db", "migrate", "--to", url).exit_code == 130
        monkeypatch.undo()
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 0, again.output
        assert "createdb" not in again.output
        assert f"{url} is a copy of {ws.config.database} already" in again.output, again.output
        assert "3 papers not indexed yet: the workers' first pass indexes them" in again.output
