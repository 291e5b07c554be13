"""`digest db migrate`: the database it copies into, told from one to leave as it is (another
application's tables)."""

from __future__ import annotations

import pytest

from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, make_dump, postgres_database


@pytest.mark.parametrize("table", ["customers", "papers"])
def test_a_database_holding_another_applications_tables_is_refused_and_left_as_it_was(workspace, table):
    """`--to` naming a database that is not empty but holds no digest tables (another
    application's, a mistyped name): its tables were mixed with digest's, 29 of them created
    beside `customers`, and the copy said "every table's rows are there"; or, where a name was
    digest's too, 'error: digest.db: relation "papers" already exists', blaming the SQLite file.
    It is refused before anything is created in it, naming its tables."""
    import psycopg

    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
    with postgres_database() as url:
        with psycopg.connect(url.split("?")[0], autocommit=True) as other:
            other.execute(f"CREATE TABLE {table} (name TEXT)")
            other.execute(f"INSERT INTO {table} VALUES ('theirs')")
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        assert (
            f"error: {url}: the database holds tables that are not digest's ({table}); migrate into "
            "an empty database (createdb a new one), so that nothing is mixed or overwritten"
        ) in result.output, result.output
        with psycopg.connect(url, autocommit=True) as other:
            tables = other.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
            assert tables == [(table,)]
