"""`digest db migrate`: the database it copies into, told from one to leave as it is (another
application's tables, a copy the workers went on with)."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.daemon.claims import heartbeat
from digest.db import DatabaseUrl
from digest.deliver.delivery import deliver_due
from digest.deliver.outbox import Outbox
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


def test_a_database_with_another_tools_schema_version_table_is_refused_and_left_as_it_was(workspace):
    """Another application's database holding a `schema_version` table of its own (Flyway's name
    for its history before version 5): taken for digest's schema, it was opened as a Store and the
    copy failed with 'error: .../digest.db: relation "papers" does not exist', blaming the SQLite
    file. It is refused as another application's, naming its tables, and left as it was."""
    import psycopg

    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
    with postgres_database() as url:
        with psycopg.connect(url.split("?")[0], autocommit=True) as other:
            other.execute("CREATE TABLE schema_version (installed_rank INT, version TEXT, script TEXT)")
            other.execute("INSERT INTO schema_version VALUES (1, '2', 'V2__more.sql')")
            other.execute("CREATE TABLE customers (name TEXT)")
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        assert (
            f"error: {url}: the database holds tables that are not digest's (customers, schema_version); "
            "migrate into an empty database (createdb a new one)"
        ) in result.output.replace("\n", " "), result.output
        with psycopg.connect(url, autocommit=True) as other:
            tables = other.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "ORDER BY 1"
            ).fetchall()
            assert tables == [("customers",), ("schema_version",)]


def _digest_sent(store: Store, config, user: str, now: dt.datetime) -> None:
    """A digest for ``user`` queued and sent, as a pass does (its delivery recorded)."""
    with store.transaction():
        Outbox(store).enqueue(
            user=user, recipient=f"{user}@example.org", message_id=f"<{user}.{now:%Y%m%d}@x>", subject="s",
            mime=b"Subject: s\r\n\r\nbody\r\n", paper_ids=[], now=now,
        )  # fmt: skip
    deliver_due(config, store, None, now)


def _copied_and_went_on(ws, url: str) -> str:
    """ada's digest sent from the SQLite file, the file copied into ``url``, and the workers gone on
    with it: the next day's digest sent from PostgreSQL. Returns when that one was sent."""
    with Store(ws.config.database) as store:
        _digest_sent(store, ws.config, "ada", NOW)
    assert ws.cli("db", "migrate", "--to", url).exit_code == 0
    with Store(DatabaseUrl(url, ws.root)) as pg:
        _digest_sent(pg, ws.config, "ada", NOW + dt.timedelta(days=1))
        return pg.db.execute("SELECT MAX(sent_at) FROM deliveries").fetchone()[0]


def test_migrating_again_into_the_database_the_workers_went_on_with_says_to_keep_it(
    mail_workspace, smtp_server
):
    """The copy made, the workers went on with it for days; `digest db migrate` run again (shell
    history, a second operator) said 'the database already holds papers; migrate into an empty
    database (createdb a new one)' (with a worker running: 'stop them, then migrate into an empty
    database (dropdb and createdb it again)'): followed, the file's older state replaced the
    digests sent since, and their papers went to the readers again. It says the database holds
    digests the file does not, and to keep it."""
    ws = mail_workspace
    config = ws.config
    with postgres_database() as url:
        sent = _copied_and_went_on(ws, url)
        said = (
            f"error: {url}: the database holds 1 digest sent from it that {config.database} does "
            f"not have (the last on {sent[:16].replace('T', ' ')} UTC): it has been in use since a "
            "copy of the file; keep it (`database:` pointing at it). Copied again, the file's older "
            "state would send those digests' papers again"
        )
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        assert said in result.output.replace("\n", " "), result.output
        assert "createdb" not in result.output
        with Store(url) as pg:  # a worker running on it
            heartbeat(pg, "app2:4242:abcd", NOW, NOW, "idle")
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        assert said in result.output.replace("\n", " ") and "dropdb" not in result.output, result.output
    assert len(smtp_server.messages) == 2


def test_migrating_again_when_the_file_went_on_too_still_says_to_keep_the_database(
    mail_workspace, smtp_server
):
    """The copy made, the workers went on with it, and so did the SQLite file (a `digest run` or
    `send` left on it): both sent a digest with the id after the copy's last. Counted by ids above
    the file's last, the database held nothing new, and it said 'the database already holds
    outbox; migrate into an empty database (createdb a new one)': followed, the digests sent from
    PostgreSQL are lost and their papers sent again. The database's own digests are told by their
    Message-IDs, and it says to keep it; and the file's own, sent since the copy, which the workers
    do not know of (they were not said)."""
    ws = mail_workspace
    config = ws.config
    with postgres_database() as url:
        sent = _copied_and_went_on(ws, url)
        with Store(config.database) as store:  # the file went on too, a day later still
            for day in (1, 2):
                _digest_sent(store, config, "bob", NOW + dt.timedelta(days=day, hours=1))
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1, result.output
        said = result.output.replace("\n", " ")
        assert (
            f"error: {url}: the database holds 1 digest sent from it that {config.database} does "
            f"not have (the last on {sent[:16].replace('T', ' ')} UTC): it has been in use since a copy"
        ) in said, result.output
        assert "createdb" not in result.output
        with Store(config.database) as store:
            (own,) = store.db.execute("SELECT MAX(sent_at) FROM deliveries").fetchone()
        # before: the file's own two, sent after the copy, were not said
        assert (
            f". {config.database} holds 2 digests sent from it since the copy that the database does not "
            f"have (the last on {own[:16].replace('T', ' ')} UTC): the workers do not know of them, and "
            "may send their papers again"
        ) in said, result.output


def test_the_copy_says_that_ratings_made_before_database_is_switched_stay_in_the_file(workspace):
    """`digest serve` and `digest feedback` go on with the SQLite file until `database:` names the
    copy (serve reads config.yaml again), so a rating made in between is in the file only, and
    lost to the workers on PostgreSQL; the copy's last words said only 'Now set `database: ...`,
    and start the workers.' They say where such ratings go, and the help says to stop serve."""
    ws = workspace
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
    with postgres_database() as url:
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 0, result.output
        said = " ".join(result.output.split())
        assert (
            f"Until it is set, the ratings that `serve`'s pages and `feedback` record go to "
            f"{ws.config.database} only, not to the copy."
        ) in said, result.output
    assert "Stop the daemon and `digest serve` first" in " ".join(
        ws.cli("db", "migrate", "--help").output.split()
    )


def test_the_copys_closing_words_name_serve_and_feedback_not_as_command_lines(workspace, monkeypatch):
    """Run with `--config` (as README's "Moving from SQLite" runs it, as root, the program by its whole
    path), the closing note named the two commands as lines to copy, "`digest --config /etc/...
    serve`'s pages and `digest --config /etc/... feedback` record", the --config of every suggested
    command put in: neither is a command to run then (serve is to be stopped first), and `digest` is not
    on root's PATH. They are named as commands, `serve`'s pages and `feedback`."""
    import subprocess
    import sys

    ws = workspace
    monkeypatch.delenv("DIGEST_CONFIG")  # the config given by --config, from another folder
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", [("Paper A", "a.")]))], NOW)
    with postgres_database() as url:
        command = [sys.executable, "-m", "digest", "--config", str(ws.config_path)]
        command += ["db", "migrate", "--to", url]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ws.root.parent)
        assert result.returncode == 0, result
        said = " ".join(result.stdout.split())
        assert (
            f"Until it is set, the ratings that `serve`'s pages and `feedback` record go to "
            f"{ws.config.database} only, not to the copy."
        ) in said, result.stdout
        assert "`digest --config" not in result.stdout
