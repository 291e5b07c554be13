"""`digest db migrate` run again on the database it copied into.

Untouched since (every table's rows the same in content on both sides, compared row for row, not
by counts or ids), the target is the file's copy already and is said to be so, exit 0, nothing
written to either: not "createdb a new one", which, followed, drops a database that is exactly the
copy. Rows changed in place on either side after the copy (a rating changed, a suppression
released, a digest sent) keep counts and ids alike: those are never "a copy already"; what each
side holds that the other does not is said, and what to do without losing either's."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.daemon.claims import heartbeat
from digest.deliver.suppressions import Suppressions
from digest.ingest.dumps import ingest
from digest.store import Store

from conftest import NOW, Workspace, make_dump, postgres_database


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pg_config(ws, url: str) -> str:
    """A config like the workspace's, its `database:` the copy (a worker's, once switched)."""
    path = ws.root / "pg.yaml"
    path.write_text(ws.config_path.read_text().replace("database: digest.db", f"database: {url}"))
    return str(path)


def _ingested(ws) -> None:
    ws.profile("ada", "email: ada@example.org\ninterests: [neural]\n")
    papers = [("Neural fields", "About neural fields."), ("Neural codes", "About neural codes.")]
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)
        Suppressions(store).add("bob", "bob@example.org", "550 no such user", NOW)  # a refusal's
    assert ws.cli("status").exit_code == 0  # the papers indexed


def test_migrate_run_again_on_its_untouched_copy_says_it_is_a_copy_already(workspace):
    ws = workspace
    _ingested(ws)
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        before = _sha(ws.config.database)
        again = ws.cli("db", "migrate", "--to", url)
        # before: "error: ...: the database already holds papers; migrate into an empty database
        # (createdb a new one), so that nothing is mixed or overwritten" (exit 1)
        assert again.exit_code == 0, again.output
        said = " ".join(again.output.split())
        assert (
            f"{url} is a copy of {ws.config.database} already: every table's rows are the same in both "
            "(2 papers), but for the word index's, made from the papers, and the readers whose digest could "
            "not be made, noted anew by each pass (not compared); nothing copied again."
        ) in said, again.output
        assert "If not done yet, set `database: postgresql://" in said
        assert "createdb" not in said
        assert _sha(ws.config.database) == before
        third = ws.cli("db", "migrate", "--to", url)  # nothing recorded by the second either
        assert third.exit_code == 0 and "is a copy of" in third.output, third.output
        with Store(url) as pg:
            assert pg.db.execute("SELECT rating FROM ratings").fetchall() == [(1,)]


@pytest.mark.parametrize("side", ["file", "database"])
@pytest.mark.parametrize("change", ["rating", "release", "send"])
def test_rows_changed_after_the_copy_are_never_a_copy_already(mail_workspace, smtp_server, side, change):
    """A rating turned from up to down (`digest feedback`), a suppression released (`digest
    suppressed --release`), a digest sent (`digest send --force`), on the file or on the copy
    (through a config naming it): a rating or a release keeps every count and id. It is never "a
    copy already". Before this, those said "the database already holds papers; ... (createdb a new
    one)", which, followed, loses what was changed on PostgreSQL; they now say which side holds what,
    and what copying again or switching would lose."""
    ws = mail_workspace
    _ingested(ws)
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        ws.dump("b.txt", make_dump("Mar 13", [("Neural nets", "About neural nets.")]))
        command = {
            "rating": ["feedback", "ada", "1", "down"],
            "release": ["suppressed", "--release", "bob"],
            "send": ["send", "--force"],
        }[change]
        on = ["--config", _pg_config(ws, url)] if side == "database" else ["--config", str(ws.config_path)]
        changed = CliRunner().invoke(main, [*on, *command])
        assert changed.exit_code == 0, changed.output
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1, again.output
        said = " ".join(again.output.split())
        assert "already:" not in said and "nothing copied" not in said, said
        assert CHANGED[change, side] in said, said
        if (change, side) != ("send", "database"):
            assert f"error: {url}: {COPY} {ws.config.database}, and rows differ since (" in said, said
            assert (
                "Copied again (into an empty database: dropdb and createdb it again), the database's rows "
                "above would be replaced by the file's; switched to (`database:` pointing at it), the "
                "file's would be left behind. Nothing was copied; keep the side whose rows are right"
            ) in said, said
    assert len(smtp_server.messages) == (change == "send")


COPY = "the database holds a copy of"
CHANGED = {  # what it says then: which side holds what (a row changed: which side, nothing says)
    ("rating", "file"): "(ratings: 1 row not the same in both): added, changed or removed",
    ("rating", "database"): "(ratings: 1 row not the same in both): added, changed or removed",
    ("release", "file"): "(suppressions: 1 row only the database holds): added, changed or removed",
    ("release", "database"): "(suppressions: 1 row only the file holds): added, changed or removed",
    ("send", "file"): "deliveries: 1 row only the file holds",
    ("send", "database"): "the database holds 1 digest sent from it that",  # in use since a copy
}


def test_a_table_made_in_the_file_since_the_copy_is_no_copy_already(workspace):
    """A table the copy lacks (made in the file since, `CREATE TABLE my_notes`): no copy; the words
    of a database holding rows, not PostgreSQL's "relation does not exist"."""
    ws = workspace
    _ingested(ws)
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(ws.config.database) as store, store.transaction() as db:
            db.execute("CREATE TABLE my_notes (id INTEGER PRIMARY KEY, note TEXT)")
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1, again.output
        assert "the database already holds papers" in again.output and "already:" not in again.output


def test_another_digests_database_is_not_told_to_be_kept_as_the_files_copy(
    mail_workspace, smtp_server, tmp_path
):
    """`--to` naming the PostgreSQL database of another digest (another team's, a mistyped name):
    it said "the database holds 1 digest sent from it that digest.db does not have ...: it has been
    in use since a copy of the file; keep it (`database:` pointing at it)", and, its workers seen,
    "stop them, then migrate into an empty database (dropdb and createdb it again)": neither is
    true, the second drops another digest's data. It is said to be no copy of the file, to be left."""
    ws = mail_workspace
    _ingested(ws)
    (tmp_path / "other").mkdir()
    other = Workspace(tmp_path / "other", smtp_server.port)
    other.profile("cy", "email: cy@example.org\ninterests: [robot]\n")
    with Store(other.config.database) as store:
        ingest(store, [other.dump("r.txt", make_dump("Mar 12", [("Robot arms", "About robot arms.")]))], NOW)
    assert other.cli("send").exit_code == 0
    with postgres_database() as url:
        assert other.cli("db", "migrate", "--to", url).exit_code == 0
        said = (
            f"error: {url}: the database holds papers or digests that {ws.config.database} never had "
            "(none of the file's first papers is in it): it is no copy of the file but another digest's "
            "database (or one begun without it); leave it as it is, and migrate into an empty database "
            "(createdb a new one), so that nothing is mixed or overwritten"
        )
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1 and said in " ".join(result.output.split()), result.output
        with Store(url) as pg:  # its workers running
            heartbeat(pg, "app2:4242:abcd", NOW, NOW, "idle")
        result = ws.cli("db", "migrate", "--to", url)
        assert result.exit_code == 1 and said in " ".join(result.output.split()), result.output
        assert "dropdb" not in result.output


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE outbox_mime SET mime = mime || '\\x00'::bytea",  # one byte more in the message kept
        "UPDATE outbox SET sent_at = NULL",  # NULL for a text
        "UPDATE papers SET code_url = '' WHERE id = 1",  # an empty text for a NULL
        "UPDATE ratings SET rated_at = replace(rated_at, '+00:00', 'Z')",  # the same time, written otherwise
        "UPDATE suppressions SET at = at || ' '",  # a space
    ],
)
def test_any_change_of_a_value_on_the_copy_is_no_copy(mail_workspace, smtp_server, change):
    """Values compared as both databases give them back: a byte, a NULL against an empty text, a
    time written otherwise, a space, each is a difference (the safe side), never "a copy already"."""
    ws = mail_workspace
    _ingested(ws)
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    assert ws.cli("send").exit_code == 0
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        assert "nothing copied again" in ws.cli("db", "migrate", "--to", url).output
        with Store(url) as pg, pg.transaction() as db:
            assert db.raw.execute(change).rowcount == 1
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1 and "not the same in both" in " ".join(again.output.split()), again.output


def test_a_copy_whose_workers_changed_a_rating_is_not_to_be_dropped(workspace):
    """Workers started on the copy (one seen), and a rating changed there (their `digest serve`'s
    page, `digest feedback`): it said "digest workers have used this database (...): stop them,
    then migrate into an empty database (dropdb and createdb it again)", which, followed, loses
    the rating. The rows that differ are said, and what each way on loses."""
    ws = workspace
    _ingested(ws)
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(url) as pg:  # a worker running on it
            heartbeat(pg, "app2:4242:abcd", NOW, NOW, "idle")
        changed = CliRunner().invoke(main, ["--config", _pg_config(ws, url), "feedback", "ada", "1", "down"])
        assert changed.exit_code == 0, changed.output
        again = ws.cli("db", "migrate", "--to", url)
        assert again.exit_code == 1, again.output
        said = " ".join(again.output.split())
        assert "stop them" not in said, said
        assert (
            f"{COPY} {ws.config.database}, and rows differ since (ratings: 1 row not the same in both)"
            in said
        )


@pytest.mark.parametrize("side", ["file", "database"])
def test_a_row_removed_and_another_added_keeps_the_count_and_is_no_copy(workspace, side):
    """One rating removed and another added on the same side (the count the same, as a swap of
    rows keeps it): the rows are compared, not counted, so it is never "a copy already"; each row
    is said as only one side's."""
    ws = workspace
    _ingested(ws)
    assert ws.cli("feedback", "ada", "1", "up").exit_code == 0
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0
        with Store(ws.config.database if side == "file" else url) as store, store.transaction() as db:
            (rated_at,) = db.execute("SELECT rated_at FROM ratings").fetchone()
            db.execute("DELETE FROM ratings WHERE paper_id = 1")
            db.execute(
                "INSERT INTO ratings (user, paper_id, rating, rated_at) VALUES ('ada', 2, 1, ?)", (rated_at,)
            )
        again = ws.cli("db", "migrate", "--to", url)
        said = " ".join(again.output.split())
        assert again.exit_code == 1 and "nothing copied again" not in said, said
        assert "(ratings: 1 row only the file holds, 1 row only the database holds)" in said, said


def test_a_copy_whose_word_index_differs_is_not_said_to_have_every_table_the_same(workspace):
    """The word index's tables are not compared (they are made from the papers, which are): after
    a copy that indexed the papers the file had not indexed yet, they differ between the two, and
    the words say what was left out. Before: "every table's rows are the same in both (2 papers);
    nothing copied again", said while term_stats held rows the file did not."""
    ws = workspace
    papers = [("Neural fields", "About neural fields."), ("Neural codes", "About neural codes.")]
    with Store(ws.config.database) as store:
        ingest(store, [ws.dump("a.txt", make_dump("Mar 12", papers))], NOW)  # not indexed yet
    count = "SELECT through, papers FROM collection_state"  # the last paper indexed
    with postgres_database() as url:
        assert ws.cli("db", "migrate", "--to", url).exit_code == 0  # the copy indexes them
        again = ws.cli("db", "migrate", "--to", url)
        with Store(ws.config.database) as file, Store(url) as copy:
            assert file.db.execute(count).fetchone() != copy.db.execute(count).fetchone()
    assert again.exit_code == 0, again.output
    assert (
        "every table's rows are the same in both (2 papers), but for the word index's, made from the "
        "papers, and the readers whose digest could not be made, noted anew by each pass (not compared); "
        "nothing copied again."
    ) in " ".join(again.output.split()), again.output
