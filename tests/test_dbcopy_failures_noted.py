"""`digest db migrate` carries over the readers whose digest could not be made. On SQLite the last
pass notes them in a file beside the database (``digest.db.readers``), on PostgreSQL in the table
``reader_failures``; the copy read the tables only, so after the move `digest status` listed no
failing reader until a worker's pass failed them again (a reader whose send time was over: the
next day's), though nothing was fixed. The copy writes the note into the table, in its
transaction, and says so; a worker's pass that serves the reader drops it, as for any row."""

from __future__ import annotations

import datetime as dt
import re

from click.testing import CliRunner

from digest.cli import main
from digest.compose.render import builtin_templates
from digest.config import load_config
from digest.daemon.service import Daemon

from conftest import make_dump, postgres_database

TEXT = (builtin_templates() / "digest.txt.j2").read_text()
FAILING = re.compile(
    r"\n  bob: cannot build the message: \S+/tpl/digest\.txt\.j2, line 1: 'no_such_value' is undefined"
)


def _status(config) -> str:
    return CliRunner().invoke(main, ["--config", str(config), "status"]).output


def _failing_for_bob(ws, now: dt.datetime) -> None:
    """A pass on the SQLite database whose user's template fails for bob (ada is served)."""
    (ws.root / "tpl").mkdir()
    (ws.root / "tpl" / "digest.txt.j2").write_text(
        "{% if profile.user == 'bob' %}{{ no_such_value }}{% endif %}" + TEXT
    )
    ws.config_path.write_text(ws.config_path.read_text() + "templates: tpl\n")
    send_at = (now - dt.timedelta(minutes=5)).strftime("%H:%M")
    for user in ("ada", "bob"):
        ws.profile(user, f"email: {user}@example.org\ninterests: [neuromorphic]\nsend_at: '{send_at}'\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Neuromorphic chip", "An event-driven chip.")]))
    Daemon(ws.config, lambda: now).tick()


def test_the_readers_the_last_pass_failed_are_listed_by_status_after_the_move(mail_workspace):
    ws, now = mail_workspace, dt.datetime.now(dt.UTC)
    _failing_for_bob(ws, now)
    assert FAILING.search(ws.cli("status").output)  # on SQLite: "(last pass)"
    with postgres_database() as url:
        moved = ws.cli("db", "migrate", "--to", url)
        assert moved.exit_code == 0, moved.output
        pg = ws.root / "pg.yaml"
        pg.write_text(ws.config_path.read_text().replace("database: digest.db", f"database: {url}"))
        status = _status(pg)
        # before: no such section at all on PostgreSQL after the move
        assert "Readers whose digest could not be made (each as the latest pass" in status, status
        assert FAILING.search(status), status

        assert (
            "(the readers whose digest could not be made, as the last pass noted them beside "
            f"{ws.config.database}: 1, copied; `digest status` lists them until a worker's pass serves them "
            "or finds them no longer due: their send time's grace over, paused or removed)"
        ) in " ".join(moved.output.split())

        (ws.root / "tpl" / "digest.txt.j2").unlink()  # fixed: a worker's pass serves bob
        Daemon(load_config(pg), lambda: now + dt.timedelta(minutes=1)).tick()
        assert "Readers whose digest could not be made" not in _status(pg)


def test_a_reader_copied_is_listed_until_a_pass_finds_them_no_longer_due_as_the_migrate_says(mail_workspace):
    """The copied row is the last pass's note, as the file had it: a worker's pass that does not
    find the reader due drops it, their template still failing, as the file's next pass rewrote its
    note without them (a migrate made hours after the send times: the first worker's pass). Before,
    the migrate said "`digest status` lists them until a worker serves them", and bob was gone from
    status at the first pass, nothing served or fixed."""
    ws, now = mail_workspace, dt.datetime.now(dt.UTC)
    _failing_for_bob(ws, now)
    with postgres_database() as url:
        moved = ws.cli("db", "migrate", "--to", url)
        pg = ws.root / "pg.yaml"
        pg.write_text(ws.config_path.read_text().replace("database: digest.db", f"database: {url}"))
        assert FAILING.search(_status(pg))
        bob = ws.root / "profiles" / "bob.yaml"
        bob.write_text(bob.read_text() + "paused: true\n")  # no longer due; the template still fails
        Daemon(load_config(pg), lambda: now + dt.timedelta(minutes=1)).tick()
        assert "Readers whose digest could not be made" not in _status(pg)
    said = " ".join(moved.output.split())
    assert "lists them until a worker's pass serves them or finds them no longer due" in said, said
