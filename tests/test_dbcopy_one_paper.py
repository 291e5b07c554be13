"""`digest db migrate` of a database holding one paper says it in the singular: "(1 paper)", not
"(1 papers)", where it says the copy is made already (run again on its own copy) and where it
says the papers the copy indexed. A real SQLite file copied into a real PostgreSQL database."""

from __future__ import annotations

from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, make_dump, postgres_database


def test_a_database_of_one_paper_is_said_in_the_singular(workspace):
    ws = workspace
    with Store(ws.config.database) as store:  # not indexed yet: the copy indexes it
        ingest(
            store, [ws.dump("a.txt", make_dump("Mar 12", [("Neural fields", "About neural fields.")]))], NOW
        )
    with postgres_database() as url:
        first = ws.cli("db", "migrate", "--to", url)
        again = ws.cli("db", "migrate", "--to", url)
    said = " ".join(first.output.split())
    assert (
        first.exit_code == 0 and "(the word index copied; 1 paper the source had not indexed yet" in said
    ), said
    said = " ".join(again.output.split())
    # before: "every table's rows are the same in both (1 papers)"
    assert again.exit_code == 0 and "every table's rows are the same in both (1 paper), but" in said, said
